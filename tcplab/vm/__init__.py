"""Real virtual machines for the lab's SSH path, on one Linux machine (`make vm-lab`, the tests).

- `image`: a Debian image built offline from the host's own apt sources with debvm / mmdebstrap
  (python3, sudo, openssh-server, iproute2, tcpdump; a normal user `teacher` with passwordless
  sudo and a key of the image's own), cached and reused until its recipe changes.
- `fleet`: boots VMs from it with QEMU (KVM only where a guest really boots, else software
  emulation), each with a management NIC (SSH forwarded from 127.0.0.1) and a lab NIC on a tap
  in a Linux bridge of the host, the way a hypervisor hangs VMs on virbr0 or vmbr0; writes the
  Ansible inventory for them; stops exactly its own VMs (by pid) and removes its taps, bridge and
  firewall rule.
"""
