from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from kabinet.billing.demo import credentials_path


class Command(BaseCommand):
    help = "Print how to log in to the demo created by seed_demo."

    def handle(self, *args: Any, **options: Any) -> None:
        path = credentials_path()
        try:
            credentials = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            self.stdout.write(
                f"Нет файла {path}: демо-администратора создаёт `manage.py seed_demo`. "
                "Если пользователь admin уже был, задайте пароль: `manage.py changepassword admin`."
            )
            return
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Вход в демо Kabinet"))
        self.stdout.write(f"  бэк-офис:  {credentials['url']}")
        self.stdout.write(f"  логин:     {credentials['username']}")
        self.stdout.write(f"  пароль:    {credentials['password']}")
        self.stdout.write(f"  (хранится в {path})")
        self.stdout.write("  Входы клиентов появятся вместе с разделом для клиентов.")
        self.stdout.write("")
