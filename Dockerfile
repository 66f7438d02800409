# The one image behind web, worker, beat and migrate (docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 1000 app
WORKDIR /app

COPY . .
# collectstatic only needs well-formed settings: throwaway secrets that never leave the build.
RUN pip install . \
    && SECRET_KEY=build-only DJANGO_READ_DOT_ENV=0 \
       PANEL_KEY_ENCRYPTION_KEYS="$(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
       python manage.py collectstatic --noinput \
    && mkdir -p var/beat && chown -R app:app var

USER app
EXPOSE 8000
CMD ["gunicorn", "dashboard.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", \
     "--timeout", "60", "--access-logfile", "-"]
