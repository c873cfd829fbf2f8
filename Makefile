# Every target installs what it needs itself: a fresh machine has nothing.
# The steps live in scripts/, one file each, so `make test` and CI run the
# very same commands a developer runs one by one.
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help demo test venv units pytest sanity integration matrix lint changelog \
        build docs adversarial webservers edges fuzz molecule bench bench-quick bench-fleet clean

help:
	@echo "make demo   - mirror an example tree on localhost with ansible-playbook"
	@echo "make nox    - every antsibull-nox session (one: scripts/nox.sh SESSION); also make ee, make coverage"
	@echo "make test   - every check CI runs (what .ci/run calls)"
	@echo "single steps: units pytest sanity integration matrix lint changelog build docs adversarial webservers edges molecule bench-quick"
	@echo "longer runs:  bench (full benchmark) fuzz (long property-based run)"

venv:
	scripts/venv.sh test

demo:
	scripts/venv.sh demo
	scripts/demo.sh

test:
	scripts/test.sh

pytest units sanity integration matrix changelog docs adversarial webservers edges molecule ee coverage: venv
	scripts/$@.sh

.PHONY: nox ee coverage
# the antsibull-nox sessions (scripts/nox.sh); lint: all but build-import-check
nox:
	scripts/nox.sh

lint:
	scripts/nox.sh ansible-lint yamllint antsibull-nox-config codeqa extra-checks license-check docs-check

# build + galaxy-importer, then the installed artifact's integration run
build: venv
	scripts/nox.sh build-import-check
	scripts/artifact.sh

fuzz: venv
	FUZZ=long scripts/adversarial.sh

bench-quick: venv
	scripts/bench.sh quick

bench: venv
	scripts/bench.sh full
	scripts/purge_bench.sh

bench-fleet: venv
	scripts/bench-fleet.sh

clean:
	rm -rf .tmp tests/output docs/build .pytest_cache .hypothesis
