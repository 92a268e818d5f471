# tcplab: `make lab` runs the class on the local Docker engine, `make test` runs every test.
# Both do their own set-up: Debian packages, the virtualenv with the pinned Python packages,
# and (inside the playbook) the lab image.

SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# tcpdump captures, mmdebstrap builds the image offline, rsvg-convert (librsvg2-bin) draws the
# ladders as PNG with the DejaVu fonts; tshark, chromium, poppler-utils and sudo (a test runs the
# lab as a sudo user) serve tests only.
LAB_DEBS := tcpdump mmdebstrap iproute2 librsvg2-bin fonts-dejavu-core
TEST_DEBS := tshark chromium poppler-utils sudo
ANSIBLE_ENV := ANSIBLE_CONFIG=$(CURDIR)/ansible.cfg PATH=$(CURDIR)/$(BIN):$$PATH
# The lab to run: the local Docker engine, or your copy of inventory/ssh-example.
INVENTORY ?= inventory/docker
PLAYBOOK := $(ANSIBLE_ENV) $(BIN)/ansible-playbook -i inventory/common -i $(INVENTORY)

.PHONY: help lab test clean report grade watch lint pytest molecule bench bench-class requirements setup setup-test \
	.debs-lab .debs-test .debs-venv .debs-python3-venv

# The targets, one line each: the text after "##" on each target's line.
help:
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## /\1\t/' | expand -t 14

# make lab shows the class view (the plan, a line per phase, this run's summary); V=1 shows
# Ansible's own output instead. Either way the run's whole log is in its folder (ansible.log).
V ?= 0
CLASS_VIEW := $(if $(filter 0,$(V)),ANSIBLE_STDOUT_CALLBACK=tcplab.lab.class_view)
lab: setup  ## run the lab for the class on the local Docker engine (V=1: Ansible's whole output; ARGS="...")
	@$(CLASS_VIEW) $(PLAYBOOK) lab.yml $(ARGS)

test: setup setup-test lint pytest molecule  ## run every test: lint, pytest, molecule

lint: setup  ## yamllint and ansible-lint (production profile)
	$(BIN)/yamllint --strict .
	$(ANSIBLE_ENV) $(BIN)/ansible-lint --strict

pytest: setup  ## the pytest suites (programs, analyzer, plan, the lab on Docker and over SSH)
	$(BIN)/python -m pytest -q tests

molecule: setup  ## molecule test, scenarios default (Docker) and ssh
	$(ANSIBLE_ENV) $(BIN)/molecule test --all

bench: setup  ## how fast the report is written for 64 captures
	$(BIN)/python bench/bench_report.py

# Classes of 8 to 64 pairs end to end on the local Docker engine against a bare docker-CLI script
# doing the same work (minutes; a lab of its own). ARGS="--sizes 8 32" for fewer.
bench-class: setup  ## classes of 8 to 64 pairs against a bare docker-CLI script (ARGS="--sizes 8 32")
	$(BIN)/python bench/bench_class.py $(ARGS)

# Report on any folder of captures: a run folder, or pcaps a student took by hand; without DIR the
# latest run. make report [DIR=path/to/folder] [LANG=id]. (LANG counts only when given here: the
# LANG of your environment is your locale, not the report's language.)
REPORT_LANGUAGE := $(if $(filter command line,$(origin LANG)),--language $(LANG))
report: setup  ## report on a folder of captures: [DIR=captures/<run-id>] [LANG=id]
	$(BIN)/python -m tcplab.report $(if $(DIR),"$(DIR)") $(REPORT_LANGUAGE)

# Removes exactly the pairs' logins, containers and networks this lab made; captures/ stays.
clean: setup  ## remove exactly the lab's logins, containers and networks (captures/ stays)
	$(PLAYBOOK) playbooks/teardown.yml $(ARGS)

setup: .debs-lab .debs-venv $(VENV)/.installed  ## install what the lab needs (Debian packages, .venv)

setup-test: .debs-test  ## install what the tests need besides

$(VENV)/.installed: requirements.txt
	python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.txt
	touch $@

# Students' own captures, graded against a run's plan (their hand-outs are in captures/<id>/handout).
grade: setup  ## grade captures students took by hand: DIR=submissions/ [PLAN=captures/<id>/plan.json] [LANG=id]
	@[ -n "$(DIR)" ] || { echo "error: give the folder of the captures handed in: make grade DIR=submissions/" >&2; exit 2; }
	$(BIN)/python -m tcplab.grade "$(DIR)" $(if $(PLAN),--plan "$(PLAN)") $(REPORT_LANGUAGE)

# Streams a pair's traffic live from its capture point into Wireshark (with a display) or tshark.
watch: setup  ## watch a pair's traffic live: PAIR=p01 [SCENARIO=upcall] [PLAN=captures/<run-id>/plan.json]
	@[ -n "$(PAIR)" ] || { echo "error: say which pair: make watch PAIR=p01 [SCENARIO=upcall]" >&2; exit 2; }
	@$(ANSIBLE_ENV) $(BIN)/python -m tcplab.watch "$(PAIR)" $(if $(SCENARIO),--scenario "$(SCENARIO)") \
	  $(if $(PLAN),--plan "$(PLAN)") -i inventory/common -i $(INVENTORY)

# Pins requirements.in afresh (the newest versions that fit) into requirements.txt.
requirements: .debs-venv  ## rewrite requirements.txt from requirements.in (then run make test)
	@rm -rf .cache/requirements && python3 -m venv .cache/requirements
	.cache/requirements/bin/pip install -q --upgrade pip
	.cache/requirements/bin/pip install -q -r requirements.in
	@{ echo "# Pinned from requirements.in with Python 3.11 (pip freeze). Regenerate: make requirements."; \
	  .cache/requirements/bin/pip freeze --exclude pip; } > requirements.txt.tmp && mv requirements.txt.tmp requirements.txt
	@rm -rf .cache/requirements
	@echo "requirements.txt rewritten; check the changes (git diff requirements.txt) and run make test."

# Installs the Debian packages of a list that are missing, without their recommendations. An
# install that fails halfway (a mirror hiccup, dpkg losing its unpack folder) is tried once more;
# whatever is still missing afterwards stops make with one line naming it.
define install_debs
	@missing() { for p in $$*; do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' \
	  || echo $$p; done; }; \
	wanted=$$(missing $(1)); \
	if [ -n "$$wanted" ]; then \
	  echo "Installing Debian packages:" $$wanted; \
	  for attempt in 1 2; do \
	    $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive \
	      apt-get install -y -qq --no-install-recommends $$wanted && break; \
	    [ $$attempt = 2 ] || echo "Installing failed; trying once more."; \
	  done; \
	  still=$$(missing $$wanted); \
	  if [ -n "$$still" ]; then \
	    echo "error: could not install the Debian packages" $$still "(apt-get says why above); install" \
	      "them with apt-get and run make again" >&2; exit 1; \
	  fi; \
	fi
endef

.debs-lab:
	$(call install_debs,$(LAB_DEBS))

.debs-test:
	$(call install_debs,$(TEST_DEBS))

# A fresh Debian or Ubuntu has python3 without venv's pip bootstrap: that is python3-venv.
.debs-venv:
	@python3 -c 'import ensurepip' 2>/dev/null || $(MAKE) --no-print-directory .debs-python3-venv

.debs-python3-venv:
	$(call install_debs,python3-venv)
