# The app image: gunicorn serving Django, static files by WhiteNoise, running as a non-root user.
FROM python:3.13-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

# WeasyPrint renders PDFs with Pango; DejaVu covers Swedish letters.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

RUN useradd --system --uid 10001 --create-home --home-dir /home/atergang atergang \
 && install -d -o atergang -g atergang -m 0700 /var/lib/atergang/private-media
WORKDIR /app

COPY pyproject.toml requirements.lock ./
COPY scripts/direct_requirements.py scripts/
RUN pip install -c requirements.lock $(python scripts/direct_requirements.py --runtime)

COPY . .
RUN DJANGO_SECRET_KEY=only-for-collectstatic DATABASE_URL=postgres://build@localhost/build \
    TOTP_ENCRYPTION_KEYS=b25seS1mb3ItY29sbGVjdHN0YXRpYy1hdC1idWlsZC0= \
    python manage.py collectstatic --no-input

USER atergang
EXPOSE 8000
ENTRYPOINT ["deploy/entrypoint.sh"]
# Workers, request recycling, the trusted proxy and the access log: deploy/gunicorn.conf.py.
CMD ["gunicorn", "--config", "deploy/gunicorn.conf.py", "config.wsgi"]
