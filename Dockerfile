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
COPY --from=assets /app/static/dist ./static/dist
# collectstatic needs settings to load; the key used here is thrown away with this layer.
RUN SECRET_KEY=collectstatic-only ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput
USER dmt
EXPOSE 8000
CMD ["gunicorn", "dmt.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
