# The one image behind web, worker and beat (docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 1000 app
WORKDIR /app

COPY . .
RUN pip install . \
    && SECRET_KEY=build-only PANEL_KEY_ENCRYPTION_KEYS=build-only DJANGO_READ_DOT_ENV=0 \
       python manage.py collectstatic --noinput \
    && mkdir -p var && chown -R app:app var

USER app
EXPOSE 8000
CMD ["gunicorn", "dashboard.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", \
     "--timeout", "60", "--access-logfile", "-"]
