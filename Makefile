# Two commands set everything up on a machine that has only Python 3.11:
#   make run    virtual environment, install, migrate, demo data, server on 127.0.0.1:8000
#               (another port or address: make run PORT=8811 HOST=0.0.0.0)
#   make test   virtual environment, install, the whole suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test install migrate seed serve worker lint format messages clean backup restore bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

# The embedded default: SQLite, eager Celery, console email, debug on. Links in the emails
# printed on the console (the receipt portal's, for one) point at this server's HOST and PORT.
run: export DJANGO_DEBUG ?= 1
run: export SITE_URL ?= http://$(if $(filter 0.0.0.0,$(HOST)),127.0.0.1,$(HOST)):$(PORT)
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

worker: install
	$(BIN)/celery -A sfiec worker --loglevel=INFO --queues=celery,pdf

# Database (SQLite or PostgreSQL) and media folder in one archive; the last line is its path.
backup: install
	$(BIN)/python manage.py backup

restore: install
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=<path of the archive>"; exit 2; }
	$(BIN)/python manage.py restore "$(BACKUP)"

# National-scale figures and targets (PostgreSQL, gunicorn, wrk); not part of `make test` or CI.
bench: install
	$(BIN)/python -m bench.run

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: install
	DJANGO_DEBUG=1 $(BIN)/python manage.py makemessages -l zh_Hans --ignore=$(VENV) --ignore=staticfiles
	DJANGO_DEBUG=1 $(BIN)/python manage.py makemessages -d djangojs -l zh_Hans --ignore=$(VENV) --ignore=staticfiles --ignore=static/vendor
	DJANGO_DEBUG=1 $(BIN)/python manage.py compilemessages --ignore=$(VENV)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
