"""Demo data of the support app, added by seed_demo once it has loaded the billing files.

``add_demo_support`` is idempotent: every row is looked up by its natural key (supplier + code
or name) and only created when missing, so running seed_demo again changes nothing and keeps
what staff edited.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Q

from kabinet.billing.models import AccountLink, Supplier
from kabinet.demo.people import DEMO_CUSTOMERS
from kabinet.demo.reference import ENERGY, HEAT_WATER, HOUSING, WASTE
from kabinet.support import services
from kabinet.support.models import (
    Appeal,
    CatalogCategory,
    CatalogItem,
    FaqCategory,
    FaqQuestion,
    RequestType,
    SupportContact,
    TimeSlot,
)

# The four kinds of request plus «другое».
REQUEST_TYPES: tuple[tuple[str, bool, str], ...] = (
    ("Ввод прибора учёта в эксплуатацию", True, "Опломбировка нового или поверенного счётчика."),
    ("Снятие показаний", True, "Контролёр снимет показания, если вы не можете сделать это сами."),
    (
        "Внеплановая проверка прибора учёта",
        True,
        "Проверка счётчика по заявке потребителя, например при сомнениях в его работе.",
    ),
    ("Замена счётчика", True, "Демонтаж старого и установка нового прибора учёта."),
    ("Другое", False, "Опишите, что нужно сделать, в поле «Причина заявки»."),
)

# supplier, category, code, name, description, price (None: по договорённости), unit
CATALOG: tuple[tuple[str, str, str, str, str, str | None, str], ...] = (
    (
        ENERGY,
        "Приборы учёта",
        "meter-replace",
        "Замена счётчика электроэнергии",
        "Демонтаж старого и монтаж нового однофазного счётчика, опломбировка. "
        "Счётчик покупается отдельно.",
        "1500.00",
        "услуга",
    ),
    (
        ENERGY,
        "Приборы учёта",
        "meter-replace-urgent",
        "Замена счётчика электроэнергии по срочной процедуре",
        "Выезд в течение 1 рабочего дня.",
        "2500.00",
        "услуга",
    ),
    (
        ENERGY,
        "Приборы учёта",
        "meter-check",
        "Поверка счётчика электроэнергии",
        "Снятие, поверка в аккредитованной лаборатории и установка обратно.",
        "1200.00",
        "услуга",
    ),
    (
        ENERGY,
        "Приборы учёта",
        "meter-program",
        "Программирование многотарифного счётчика",
        "Настройка зон суток (день/ночь, пик/полупик/ночь) и времени.",
        "800.00",
        "услуга",
    ),
    (
        ENERGY,
        "Приборы учёта",
        "unseal",
        "Распломбировка",
        "Снятие пломбы для ремонта проводки; повторная опломбировка — отдельная услуга.",
        "600.00",
        "услуга",
    ),
    (
        ENERGY,
        "Электромонтажные работы",
        "wiring",
        "Электромонтажные работы",
        "Замена проводки, автоматов, розеток. Стоимость определяет мастер после осмотра.",
        None,
        "",
    ),
    (
        HEAT_WATER,
        "Приборы учёта",
        "water-meter-install",
        "Установка счётчика воды",
        "Монтаж счётчика холодной или горячей воды с опломбировкой.",
        "1800.00",
        "шт.",
    ),
    (
        HEAT_WATER,
        "Приборы учёта",
        "water-meter-check",
        "Поверка счётчика воды без снятия",
        "Поверка на месте установки, свидетельство о поверке в тот же день.",
        "700.00",
        "шт.",
    ),
    (
        WASTE,
        "Вывоз отходов",
        "bulky-waste",
        "Вывоз крупногабаритных отходов",
        "Мебель, бытовая техника; погрузка силами заказчика.",
        "1500.00",
        "м³",
    ),
)

FAQ_COMMON: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "Сайт. Личный кабинет",
        (
            (
                "Как привязать лицевой счёт к личному кабинету?",
                "Откройте «Лицевые счета» → «Добавить лицевой счёт», выберите поставщика и "
                "введите номер лицевого счёта так, как он напечатан в квитанции. Для "
                "подтверждения укажите код с квитанции или сумму одной из квитанций за "
                "последние 6 месяцев. К одному кабинету можно привязать несколько счетов "
                "разных поставщиков.",
            ),
            (
                "Как получать квитанции по электронной почте?",
                "Укажите и подтвердите e-mail в профиле, затем в настройках лицевого счёта "
                "включите «Квитанции только в электронном виде». Квитанция будет приходить "
                "на почту в начале каждого месяца, бумажная доставка прекратится.",
            ),
            (
                "Как задать вопрос поставщику?",
                "Нажмите «Задать вопрос» в разделе «Вопросы и ответы» или «Обращения», "
                "выберите поставщика, лицевой счёт и тему, опишите вопрос и при "
                "необходимости приложите фото или PDF. Обращению присваивается "
                "регистрационный номер, ответ придёт в личный кабинет, а уведомление — "
                "на e-mail или SMS.",
            ),
        ),
    ),
    (
        "Порядок и способы оплаты",
        (
            (
                "Как оплатить квитанцию без комиссии?",
                "В личном кабинете: «Лицевые счета» → «Оплатить», банковской картой. Платёж "
                "поступает поставщику в течение 1–3 рабочих дней, чек приходит на e-mail или "
                "телефон, указанный при оплате.",
            ),
            (
                "Я оплатил, а долг не уменьшился. Что делать?",
                "Платёж отражается после того, как банк перечислит деньги поставщику — "
                "обычно 1–3 рабочих дня. Если прошло больше 5 дней, задайте вопрос с темой "
                "«Оплата» и приложите чек.",
            ),
        ),
    ),
)

FAQ_ENERGY: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "Индивидуальные приборы учёта электрической энергии",
        (
            (
                "Как я могу передать показания прибора учёта электроэнергии?",
                "Показания принимаются с 15 по 26 число месяца до 17:00 по московскому "
                "времени: в личном кабинете в разделе «Показания», через мобильное "
                "приложение или по телефону контактного центра. Для многотарифного счётчика "
                "передайте показания каждой зоны.",
            ),
            (
                "Почему необходимо передавать показания прибора учёта ежемесячно?",
                "Если показания не переданы, по п. 59–60 Правил, утверждённых Постановлением "
                "Правительства РФ от 06.05.2011 № 354, плата определяется по среднемесячному "
                "объёму не более 3 расчётных периодов, а затем — по нормативу потребления.",
            ),
            (
                "Как оставить заявку на замену прибора учёта электроэнергии?",
                "В разделе «Заявки» нажмите «Новая заявка», выберите лицевой счёт и тип "
                "«Замена счётчика», укажите удобную дату и время. Платную замену можно "
                "заказать в «Каталоге услуг».",
            ),
            (
                "Что делать, если истёк межповерочный интервал счётчика?",
                "Счётчик с истёкшей поверкой считается неисправным: начисления пойдут по "
                "среднему, а затем по нормативу с повышающим коэффициентом. Закажите поверку "
                "или замену в «Каталоге услуг».",
            ),
        ),
    ),
)

FAQ_WATER: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "Водоснабжение и отопление",
        (
            (
                "Когда передавать показания счётчиков воды?",
                "С 10 по 25 число месяца включительно, по времени Екатеринбурга. "
                "Показания, переданные позже, учитываются в следующем месяце.",
            ),
            (
                "Почему отопление начисляется летом?",
                "Если в доме выбран способ оплаты равномерно в течение года, плата за "
                "отопление начисляется ежемесячно, а раз в год выполняется корректировка.",
            ),
        ),
    ),
)

# supplier, kind, title, address, phone, hours
CONTACTS: tuple[tuple[str, str, str, str, str, str], ...] = (
    (ENERGY, "phone", "Контактный центр", "", "8 800 300-00-01", "круглосуточно"),
    (
        ENERGY,
        "office",
        "Екатеринбургское отделение",
        "г. Екатеринбург, ул. Малышева, д. 51",
        "+7 343 300-00-51",
        "пн–чт 8:30–17:30, пт 8:30–16:15",
    ),
    (
        ENERGY,
        "office",
        "Западное отделение",
        "г. Первоуральск, пр. Ильича, д. 9",
        "+7 3439 60-00-09",
        "пн–пт 9:00–18:00, обед 13:00–14:00",
    ),
    (HEAT_WATER, "phone", "Абонентский отдел", "", "+7 343 300-20-20", "пн–пт 8:00–20:00"),
    (
        HEAT_WATER,
        "office",
        "Центр обслуживания клиентов",
        "г. Екатеринбург, ул. Бажова, д. 20",
        "",
        "пн–пт 9:00–18:00, сб 10:00–14:00",
    ),
    (HOUSING, "phone", "Диспетчерская", "", "+7 343 310-10-10", "круглосуточно"),
    (WASTE, "phone", "Горячая линия", "", "8 800 700-12-12", "пн–пт 8:00–20:00"),
)


# Where the demo offices are, for «Офисы на карте».
OFFICE_COORDINATES: dict[str, tuple[Decimal, Decimal]] = {
    "Екатеринбургское отделение": (Decimal("56.83670"), Decimal("60.61430")),
    "Западное отделение": (Decimal("56.90800"), Decimal("59.94300")),
    "Центр обслуживания клиентов": (Decimal("56.84190"), Decimal("60.62590")),
}


def _faq(
    supplier: Supplier | None, groups: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]
) -> int:
    created = 0
    for order, (name, questions) in enumerate(groups, start=1):
        category, _ = FaqCategory.objects.get_or_create(
            supplier=supplier, name=name, defaults={"sort_order": order * 10}
        )
        for q_order, (question, answer) in enumerate(questions, start=1):
            _, made = FaqQuestion.objects.get_or_create(
                category=category,
                question=question,
                defaults={"answer": answer, "sort_order": q_order * 10},
            )
            created += made
    return created


@transaction.atomic
def ensure_demo_support(suppliers: dict[str, Supplier]) -> dict[str, int]:
    """Create what is missing for the demo suppliers; returns counts of rows created."""
    counts = {"types": 0, "items": 0, "faq": 0, "contacts": 0}
    for supplier in suppliers.values():
        for order, (name, requires_meter, description) in enumerate(REQUEST_TYPES, start=1):
            if supplier.code == WASTE and requires_meter:
                continue  # no meters for waste: only «Другое»
            _, made = RequestType.objects.get_or_create(
                supplier=supplier,
                name=name,
                defaults={
                    "requires_meter": requires_meter,
                    "description": description,
                    "sort_order": order * 10,
                },
            )
            counts["types"] += made
    for order, (code, category_name, item_code, name, description, price, unit) in enumerate(
        CATALOG, start=1
    ):
        item_supplier = suppliers.get(code)
        if item_supplier is None:
            continue
        category, _ = CatalogCategory.objects.get_or_create(
            supplier=item_supplier, name=category_name
        )
        _, made = CatalogItem.objects.get_or_create(
            supplier=item_supplier,
            code=item_code,
            defaults={
                "category": category,
                "name": name,
                "description": description,
                "price": Decimal(price) if price is not None else None,
                "unit": unit,
                "sort_order": order * 10,
            },
        )
        counts["items"] += made
    counts["faq"] += _faq(None, FAQ_COMMON)
    if ENERGY in suppliers:
        counts["faq"] += _faq(suppliers[ENERGY], FAQ_ENERGY)
    if HEAT_WATER in suppliers:
        counts["faq"] += _faq(suppliers[HEAT_WATER], FAQ_WATER)
    for order, (code, kind, title, address, phone, hours) in enumerate(CONTACTS, start=1):
        contact_supplier = suppliers.get(code)
        if contact_supplier is None:
            continue
        latitude, longitude = OFFICE_COORDINATES.get(title, (None, None))
        _, made = SupportContact.objects.get_or_create(
            supplier=contact_supplier,
            kind=kind,
            title=title,
            defaults={
                "address": address,
                "phone": phone,
                "hours": hours,
                "sort_order": order,
                "latitude": latitude,
                "longitude": longitude,
            },
        )
        counts["contacts"] += made
    return counts


# What the demo customers have already written, so the staff queues have something to work on.
DEMO_APPEAL_TEXT = (
    "Здравствуйте! В квитанции за прошлый месяц начислено по среднему, хотя показания я передавала "
    "20-го числа. Прошу сделать перерасчёт."
)
DEMO_REQUEST_REASON = "Счётчик перестал показывать расход, на экране ошибка E-03. Прошу заменить."


def ensure_demo_customer_cases() -> int:
    """An appeal and a service request from each demo customer's first account, made through
    the same services as the portal, once."""
    made = 0
    logins = [login for _kind, login, *_names in DEMO_CUSTOMERS]
    links = (
        AccountLink.objects.filter(Q(user__phone__in=logins) | Q(user__email__in=logins))
        .select_related("user", "account__supplier")
        .order_by("user_id", "created_at")
    )
    seen: set[int] = set()
    for link in links:
        if link.user_id in seen or Appeal.objects.filter(user_id=link.user_id).exists():
            seen.add(link.user_id)
            continue
        seen.add(link.user_id)
        supplier = link.account.supplier
        services.create_appeal(
            user=link.user,
            supplier=supplier,
            account=link.account,
            topic=Appeal.Topic.ACCOUNT_INFO,
            text=DEMO_APPEAL_TEXT,
        )
        request_type = (
            RequestType.objects.filter(supplier=supplier, is_active=True)
            .order_by("-requires_meter", "-sort_order")
            .first()
        )
        if request_type is not None:
            services.create_request(
                link=link,
                request_type=request_type,
                reason=DEMO_REQUEST_REASON,
                contact_phone=link.user.phone or "+79000000001",
                desired_date=services.supplier_today(supplier) + dt.timedelta(days=3),
                desired_slot=TimeSlot.MORNING,
            )
        made += 1
    return made


def add_demo_support(suppliers: dict[str, Supplier]) -> str:
    """The catalog, request types, FAQ, contacts and the customers' cases: a line to print."""
    counts = ensure_demo_support(suppliers)
    counts["cases"] = ensure_demo_customer_cases()
    return (
        "Заявки и обращения: типов заявок +{types}, услуг каталога +{items}, "
        "вопросов FAQ +{faq}, контактов +{contacts}, обращений клиентов +{cases}".format(**counts)
    )
