from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from kabinet.demo.people import credentials_path, customers_path, operator_path


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
        operator_file = operator_path()
        if operator_file.exists():
            operator = json.loads(operator_file.read_text(encoding="utf-8"))
            self.stdout.write(self.style.SUCCESS("Рабочее место сотрудника"))
            self.stdout.write(f"  вход:      {operator['url']}")
            self.stdout.write(
                f"  оператор ({operator.get('supplier', '')}): логин {operator['username']}, "
                f"пароль {operator['password']}"
            )
            self.stdout.write(f"  администратор тоже входит сюда: логин {credentials['username']}")
            self.stdout.write(f"  (хранится в {operator_file})")
        customers_file = customers_path()
        if customers_file.exists():
            self.stdout.write(self.style.SUCCESS("Личный кабинет клиента"))
            self.stdout.write("  вход:      http://127.0.0.1:8000/login/")
            for customer in json.loads(customers_file.read_text(encoding="utf-8")):
                self.stdout.write(
                    f"  {customer['name']}: логин {customer['login']}, "
                    f"пароль {customer['password']}"
                )
            self.stdout.write(f"  (хранится в {customers_file})")
        self.stdout.write("")
