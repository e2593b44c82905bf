# Peixun. `make run` on a fresh Debian machine installs what is missing and starts the platform;
# `make test` runs the whole suite. Install steps are stamp files: quick when nothing changed.

SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -ec
.DEFAULT_GOAL := help

PY := .venv/bin/python
VENV_STAMP := .venv/.installed
ASSETS_STAMP := static/vendor/.installed
STATIC_ROOT := $(or $(PEIXUN_STATIC_ROOT),staticfiles)
STATIC_STAMP := $(STATIC_ROOT)/.collected
VENDOR_FILES := static/vendor/htmx.min.js static/vendor/hls.min.js static/vendor/echarts.min.js
# A stamp whose output was deleted since must not pass for done.
missing = $(if $(filter-out $(wildcard $(1)),$(1)),FORCE)
STATIC_SOURCES := $(shell find static peixun -path '*static/*' -type f -not -name '.installed' 2>/dev/null)
VAR := $(or $(PEIXUN_VAR_DIR),var)
PYTEST_ARGS ?=
NAME ?=

.PHONY: help run test lint format bench install system-packages migrate FORCE

help:
	@echo "make run      install what is missing, load the demo province, start nginx + app (Ctrl-C stops)"
	@echo "make test     install what is missing, run the whole suite (unit, integration, browser, stack)"
	@echo "make lint     ruff format --check, ruff check, mypy (services, selectors), makemigrations --check"
	@echo "make format   ruff format + ruff check --fix"
	@echo "make bench    every benchmark in bench/ (make bench NAME=allocation: one)"

system-packages:
	@scripts/system-packages.sh

# Python 3.11 virtualenv with the locked dependencies (requirements.txt; requirements.in is the human list).
$(VENV_STAMP): requirements.txt | system-packages
	@test -x $(PY) || python3.11 -m venv .venv
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

# Front-end libraries from npm (package-lock.json), copied into static/vendor.
$(ASSETS_STAMP): package-lock.json scripts/assets.sh $(call missing,$(VENDOR_FILES)) | system-packages
	scripts/assets.sh
	@touch $@

$(STATIC_STAMP): $(VENV_STAMP) $(ASSETS_STAMP) $(STATIC_SOURCES) $(call missing,$(STATIC_ROOT)/vendor/htmx.min.js)
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@mkdir -p $(@D) && touch $@

install: system-packages $(VENV_STAMP) $(ASSETS_STAMP) $(STATIC_STAMP)

migrate: install
	$(PY) manage.py migrate --noinput --verbosity 0

# Plain HTTP on the intranet demo; docs/deployment.md says how to put TLS in front.
# The accounts table of load_demo is shown again once everything answers.
run: migrate
	@mkdir -p $(VAR)
	$(PY) manage.py load_demo | tee $(VAR)/load-demo.txt
	$(PY) manage.py load_training_demo
	$(PY) manage.py load_teachers_demo
	$(PY) manage.py load_live_demo | tee $(VAR)/live-demo.txt
	@sed -n '/^角色/,/^$$/p' $(VAR)/load-demo.txt > $(VAR)/demo-accounts.txt; \
	test -s $(VAR)/demo-accounts.txt || cp $(VAR)/load-demo.txt $(VAR)/demo-accounts.txt; \
	sed -n '/^  /p' $(VAR)/live-demo.txt >> $(VAR)/demo-accounts.txt
	PEIXUN_HTTPS=0 exec $(PY) -m peixun.core.stack --banner $(VAR)/demo-accounts.txt

# pytest exits 5 when it collected nothing: that is a failure too, said plainly.
test: install
	@rc=0; $(PY) -m pytest $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests" >&2; fi; \
	exit $$rc

lint: install
	@failed=""; \
	$(PY) -m ruff format --check . || failed="$$failed ruff-format"; \
	$(PY) -m ruff check . || failed="$$failed ruff-check"; \
	$(PY) -m mypy $(wildcard peixun/*/services.py peixun/*/services/*.py peixun/*/selectors.py) || failed="$$failed mypy"; \
	$(PY) manage.py makemigrations --check --dry-run || failed="$$failed makemigrations"; \
	if [ -n "$$failed" ]; then echo "make lint failed:$$failed" >&2; exit 1; fi

FORCE:

format: $(VENV_STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

bench: install
	$(PY) bench/run.py $(NAME)
