"""Documentation of the plan's records the lab's modules take (DESIGN.md, "The plan"): a pair, a
scenario, the run, a pair's login. Their argument specs are module_utils/arguments.py's (PAIR,
SCENARIO, RUN, LOGIN); tests/test_module_docs.py checks the two agree.

Use as tcplab.lab.records.step (pairs, scenario, run: a step of pairs on machines), .batch (pairs,
scenarios, run: a Docker host's), .pairs, .pairs_optional, .scenario, .scenarios, .run or .logins.
"""

_END = r"""
        type: dict
        suboptions:
          host: {type: str, description: "Its inventory name (a container's name for a Docker pair)."}
          container: {type: str, description: "The container (a Docker pair), else null."}
          machine: {type: str, description: "The real machine it runs on."}
          address: {type: str, description: "Its address; the client connects to the server's."}
"""

_LOGIN = r"""
        type: str
        choices: [key, password]
        description: How the login signs in (C(key) when the roster gives ssh_keys).
      keys: {type: list, elements: str, description: "Its SSH public keys."}
      hosts:
        type: list
        elements: dict
        description: Per machine, what the login may do there.
        suboptions:
          host: {type: str, description: "The machine's inventory name."}
          address: {type: str, description: "The address students ssh to."}
          port: {type: int, description: "The SSH port students use."}
          containers: {type: list, elements: str, description: "The pair's containers it may enter (docker exec)."}
          capture:
            type: dict
            description: Where it may capture (null - nowhere on this machine).
            suboptions:
              interface: {type: str, description: "The interface."}
              peer: {type: str, description: "The address the capture host routes towards."}
              filter: {type: str, description: "The capture filter it must use (empty - its own bridge, any)."}
          programs:
            type: list
            elements: dict
            description: The lab programs it may run here.
            suboptions:
              role: {type: str, choices: [server, client], description: "Which program."}
              path: {type: str, description: "The program's path."}
              port: {type: int, description: "The scenario's port."}
              server: {type: str, description: "The server's address (a client program), else null."}
"""


def _login(indent):
    """The login record's suboptions, under a key at `indent` spaces."""
    head = ("      pair: {type: str, description: The pair.}\n"
            "      user: {type: str, description: The account.}\n"
            "      folder: {type: str, description: The pair's folder.}\n"
            "      auth:")
    return "\n".join((" " * (indent - 6) + line) if line.strip() else line
                     for line in (head + _LOGIN).splitlines()) + "\n"


def _options_of(fragment):
    """A fragment's options, to follow another's."""
    return fragment.split("\noptions:\n", 1)[1]


_NO_CHECK_MODE = """attributes:
  check_mode: {support: none}
"""


class ModuleDocFragment:
    PAIRS = r"""
options:
  pairs:
    type: list
    elements: dict
    required: true
    description:
      - The plan's records of the pairs this call is for (the module's description says which);
        each as the plan has it (DESIGN.md, "The plan").
    suboptions:
      name: {type: str, required: true, description: "The pair's name (lower-case letters, digits, dashes)."}
      index: {type: int, description: "Its number, 1-based, in roster order."}
      kind: {type: str, choices: [docker, machines], description: "Containers on a Docker host, or pairs on machines."}
      wave: {type: int, description: "Its turn among the pairs whose servers share a machine."}
      docker_host: {type: str, description: "Its Docker host (a Docker pair), else null."}
      network:
        type: dict
        description: Its bridge network (a Docker pair), else null.
        suboptions:
          name: {type: str, description: "The network's name."}
          subnet: {type: str, description: "Its subnet."}
          gateway: {type: str, description: "Its gateway."}
          bridge: {type: str, description: "The bridge interface's name."}
      server:
        description: The server end.""" + _END + r"""
      client:
        description: The client end.""" + _END + r"""
      capture:
        type: dict
        description: Where the pair is captured.
        suboptions:
          host: {type: str, description: "The capture host."}
          point: {type: str, description: "The capture point: bridge, server or loopback."}
          interface: {type: str, description: "The interface (null - the one the capture host routes the peer through)."}
          peer: {type: str, description: "The address the capture host routes towards."}
          local: {type: bool, description: "The capture host is the controller (the pcap goes straight into the run folder)."}
      messages: {type: dict, description: "Its messages per scenario (scenario name -> list of messages)."}
      messages_source: {type: dict, description: "Per scenario where its messages come from (pair, seed, class or scenario)."}
      students:
        type: list
        elements: dict
        description: Its students.
        suboptions:
          name: {type: str, description: "The student's name."}
          id: {type: str, description: "The identifier the course platform knows them by, or empty."}
      login:
        type: dict
        description: "Its login (C(lab_student_access)), else null: see O(tcplab.lab.accounts#module:logins)."
        suboptions:
""" + _login(10)

    _SCENARIO = r"""
    suboptions:
      name: {type: str, required: true, description: "The scenario's name."}
      port: {type: int, required: true, description: "Its port."}
      server: {type: str, description: "The server program, under the programs folder."}
      client: {type: str, description: "The client program, under the programs folder."}
      reply_format: {type: str, description: "The reply the server gives, {message} standing for what the client sent."}
      handin: {type: str, description: "The name the course gives its capture (C(tcp) for tcp.pcap), else absent."}
      messages: {type: list, elements: str, description: "Its default messages."}
      loss:
        type: dict
        description: The segments the receiver drops, each once (a lesson in loss), else null.
        suboptions:
          direction: {type: str, choices: [to_server, to_client], description: "Which way."}
          segments: {type: list, elements: int, description: "The data segments, counted from 1."}
"""

    SCENARIO = r"""
options:
  scenario:
    type: dict
    required: true
    description: The scenario of this step, as the plan has it.""" + _SCENARIO

    SCENARIOS = r"""
options:
  scenarios:
    type: list
    elements: dict
    required: true
    description: The scenarios to run, in order, as the plan has them.""" + _SCENARIO

    RUN = r"""
options:
  run:
    type: dict
    required: true
    description: The run, from the plan.
    suboptions:
      lab_id: {type: str, description: "The lab id."}
      run_id: {type: str, description: "The run id."}
      run_dir: {type: str, description: "The run's folder on the controller (the pcaps go there when it captures)."}
      spool: {type: str, description: "The lab's folder on this host (pid files, logs, pcaps to fetch)."}
      remote_dir: {type: str, description: "Where the lab programs are on this host (in the containers, for a Docker pair)."}
"""

    LOGINS = r"""
options:
  logins:
    type: list
    elements: dict
    default: []
    description: "The plan's login records (pairs[].login); those with a part for O(host) are made."
    suboptions:
""" + _login(6)

    # The same for a module where the pairs may be left out (default: none).
    PAIRS_OPTIONAL = PAIRS.replace("    required: true\n", "    default: []\n", 1)

    # One step of pairs on machines (modules capture, server, client) and a Docker host's batch
    # (docker_exchange): the records each takes; neither has a check mode (both act at once).
    STEP = PAIRS + _options_of(SCENARIO) + _options_of(RUN) + _NO_CHECK_MODE
    BATCH = PAIRS + _options_of(SCENARIOS) + _options_of(RUN) + _NO_CHECK_MODE

    DOCUMENTATION = PAIRS
