# The production image: gunicorn serving Django, the same image running Celery worker and beat.
FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY static ./static
RUN npm run build

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=dmt.settings.production
WORKDIR /app
RUN useradd --create-home --uid 1000 dmt
# Dependencies only, read from pyproject.toml; the code runs from /app, not site-packages.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install --no-cache-dir -r /tmp/requirements.txt
COPY manage.py ./
COPY dmt ./dmt
COPY accounts ./accounts
COPY families ./families
COPY referrals ./referrals
COPY supervision ./supervision
COPY outcomes ./outcomes
COPY templates ./templates
COPY gunicorn.conf.py ./
COPY bin ./bin
# static/ as built: our scripts in static/js and the compiled front end in static/dist.
COPY --from=assets /app/static ./static
# collectstatic needs settings to load; the key used here is thrown away with this layer.
# CI runs this same command under the same settings (.ci/prod-smoke).
RUN SECRET_KEY=collectstatic-only ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput
USER dmt
EXPOSE 8000
# Migrate, then gunicorn with gunicorn.conf.py: the script CI's production smoke test runs.
CMD ["bin/web"]
