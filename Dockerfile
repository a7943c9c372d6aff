FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1

# WeasyPrint needs Pango; Noto CJK renders the Chinese text of the customs documents (fc-list,
# from fontconfig, checks it is there); poppler-utils' pdftotext reads rendered PDFs back;
# postgresql-client gives `manage.py backup` its pg_dump.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libffi8 shared-mime-info \
      fonts-noto-cjk fonts-dejavu-core fontconfig poppler-utils gettext curl procps \
      postgresql-client \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml ./
RUN pip install --upgrade pip && pip install .
COPY . .
RUN DJANGO_DEBUG=1 python manage.py compilemessages --ignore=.venv \
 && DJANGO_SECRET_KEY=build-only-key-not-used-at-runtime-0123456789-0123456789 \
    python manage.py collectstatic --noinput

RUN useradd --create-home --uid 1000 sfiec && mkdir -p /data/media /data/backups && chown -R sfiec /data /app
USER sfiec
ENV MEDIA_ROOT=/data/media BACKUP_DIR=/data/backups
EXPOSE 8000
CMD ["gunicorn", "sfiec.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
