# tcplab: `make lab` runs the class on the local Docker engine, `make test` runs every test.
# Both do their own set-up: Debian packages, the virtualenv with the pinned Python packages,
# and (inside the playbook) the lab image.

SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# tcpdump captures, mmdebstrap builds the image offline, rsvg-convert (librsvg2-bin) draws the
# ladders as PNG with the DejaVu fonts; tshark, chromium and poppler-utils serve tests only.
LAB_DEBS := tcpdump mmdebstrap iproute2 librsvg2-bin fonts-dejavu-core
TEST_DEBS := tshark chromium poppler-utils
ANSIBLE_ENV := ANSIBLE_CONFIG=$(CURDIR)/ansible.cfg PATH=$(CURDIR)/$(BIN):$$PATH
# The lab to run: the local Docker engine, or your copy of inventory/ssh-example.
INVENTORY ?= inventory/docker
PLAYBOOK := $(ANSIBLE_ENV) $(BIN)/ansible-playbook -i inventory/common -i $(INVENTORY)

.PHONY: lab test clean report lint pytest molecule bench bench-class setup setup-test .debs-lab .debs-test

# The summary is printed only when this run wrote it: a run that stopped early shows no older table.
lab: setup
	@set -o pipefail; rc=0; started=$$(mktemp); \
	$(PLAYBOOK) lab.yml $(ARGS) || rc=$$?; \
	if [ -n "$$(find captures/latest/summary.txt -newer "$$started" 2>/dev/null)" ]; then \
	  echo; cat captures/latest/summary.txt; fi; \
	rm -f "$$started"; exit $$rc

test: setup setup-test lint pytest molecule

lint: setup
	$(BIN)/yamllint --strict .
	$(ANSIBLE_ENV) $(BIN)/ansible-lint --strict

pytest: setup
	$(BIN)/python -m pytest -q tests

molecule: setup
	$(ANSIBLE_ENV) $(BIN)/molecule test --all

bench: setup
	$(BIN)/python bench/bench_report.py

# Classes of 8 to 64 pairs end to end on the local Docker engine against a bare docker-CLI script
# doing the same work (minutes; a lab of its own). ARGS="--sizes 8 32" for fewer.
bench-class: setup
	$(BIN)/python bench/bench_class.py $(ARGS)

# Report on any folder of captures: a run folder, or pcaps a student took by hand; without DIR the
# latest run. make report [DIR=path/to/folder] [LANG=id]. (LANG counts only when given here: the
# LANG of your environment is your locale, not the report's language.)
REPORT_LANGUAGE := $(if $(filter command line,$(origin LANG)),--language $(LANG))
report: setup
	$(BIN)/python -m tcplab.report $(if $(DIR),"$(DIR)") $(REPORT_LANGUAGE)

# Removes exactly the containers and networks this lab made; captures/ stays.
clean: setup
	$(PLAYBOOK) playbooks/teardown.yml $(ARGS)

setup: $(VENV)/.installed .debs-lab

setup-test: .debs-test

$(VENV)/.installed: requirements.txt
	python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.txt
	touch $@

# Installs the Debian packages of a list that are missing (apt-get update only when needed).
define install_debs
	@missing=$$(for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:" $$missing; \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
endef

.debs-lab:
	$(call install_debs,$(LAB_DEBS))

.debs-test:
	$(call install_debs,$(TEST_DEBS))
