"""Where the image build finds a host's apt sources and release: Debian 12, Ubuntu 24.04, older."""
import pytest
from ansible_collections.tcplab.lab.plugins.module_utils.apt import release, sources_file

DEB822 = "Types: deb\nURIs: http://deb.example/debian\nSuites: bookworm\nComponents: main\n"


def make(root, files):
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return str(root)


@pytest.mark.parametrize("files,found,expected_release", [
    ({"etc/apt/sources.list.d/debian.sources": DEB822, "etc/apt/sources.list": "# moved to debian.sources\n",
      "etc/os-release": 'ID=debian\nVERSION_CODENAME=bookworm\n'},
     "etc/apt/sources.list.d/debian.sources", ("debian", "bookworm")),
    ({"etc/apt/sources.list.d/ubuntu.sources": DEB822.replace("bookworm", "noble"),
      "etc/apt/sources.list": "# Ubuntu sources have moved to /etc/apt/sources.list.d/ubuntu.sources\n",
      "usr/lib/os-release": 'NAME="Ubuntu"\nID=ubuntu\nVERSION_CODENAME=noble\n'},
     "etc/apt/sources.list.d/ubuntu.sources", ("ubuntu", "noble")),
    ({"etc/apt/sources.list": "deb http://deb.example/debian bullseye main\n",
      "etc/os-release": 'ID=debian\nVERSION_CODENAME="bullseye"\n'},
     "etc/apt/sources.list", ("debian", "bullseye")),
])
def test_the_sources_file_and_release_are_found(tmp_path, files, found, expected_release):
    root = make(tmp_path, files)
    assert sources_file(root) == f"{root}/{found}"
    assert release(root) == expected_release


def test_a_host_without_apt_sources_has_none(tmp_path):
    root = make(tmp_path, {"etc/apt/sources.list": "# nothing here\n", "etc/os-release": "ID=fedora\n"})
    assert sources_file(root) is None
    assert release(root) == ("fedora", "")
