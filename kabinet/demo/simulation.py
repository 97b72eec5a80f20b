"""The simulated utility: two years of billing files for the demo accounts.

Everything billing sends (accounts, meters, tariffs, charges, bills, readings, payments) is
written as files in the formats of docs/exchange.md and loaded by import_billing, so the demo
walks the same path as a real utility's monthly exchange.

Generation is simulated per account, month by month, with balances carried over: a line's
opening balance is last month's total, payments pay last month's bill, debt accrues penalties.
Money is kept in kopecks and volumes in thousandths as ints: every total adds up exactly, and
the 100,000 accounts of the import benchmark generate in well under a minute.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import random
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from kabinet.core.periods import add_months, format_period, period_of
from kabinet.demo.reference import (
    BRANCHES,
    ENERGY,
    HEAT_WATER,
    HOUSING,
    MAIN_SUPPLIERS,
    SUPPLIERS,
    TARIFFS,
    UNITS,
    WASTE,
    YEARLY_INCREASE_PER_MILLE,
)

Log = Callable[[str], None]

REGION = "Свердловская обл."
# City, energy branch, weight; the branches of the energy retailer follow its service areas.
CITIES = (
    ("Екатеринбург", "ekb", 60),
    ("Верхняя Пышма", "sever", 10),
    ("Берёзовский", "sever", 8),
    ("Первоуральск", "zapad", 14),
    ("Ревда", "zapad", 8),
)

# --------------------------------------------------------------------------------------------
# Formatting: ints in kopecks / thousandths / hundredths to the file's decimal text
# --------------------------------------------------------------------------------------------


def money(kopecks: int) -> str:
    if not kopecks:
        return "0.00"  # most columns of most lines
    sign = "-" if kopecks < 0 else ""
    whole, frac = divmod(abs(kopecks), 100)
    return f"{sign}{whole}.{frac:02d}"


def quantity(milli: int) -> str:
    """A volume in thousandths, without trailing zeros: 12375 → «12.375», 150000 → «150»."""
    whole, frac = divmod(milli, 1000)
    if not frac:
        return str(whole)
    return f"{whole}.{frac:03d}".rstrip("0")


def reading_value(milli: int, fraction_digits: int) -> str:
    """A register value with exactly the meter's fraction digits."""
    whole, frac = divmod(milli, 1000)
    if fraction_digits == 0:
        return str(whole)
    return f"{whole}.{frac:03d}"[: len(str(whole)) + 1 + fraction_digits]


# Stands in a JSON row for a number to be written as its exact digits.
_NUMBER = "@number@"


def price(ten_thousandths: int) -> str:
    whole, frac = divmod(ten_thousandths, 10000)
    text = f"{frac:04d}".rstrip("0")
    return f"{whole}.{text:0<2}"


def area(hundredths: int) -> str:
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def charge_for(milli: int, unit_price: int) -> int:
    """Kopecks for a volume (thousandths) at a price (₽ × 10⁴), rounded half up."""
    return (milli * unit_price + 50_000) // 100_000


# --------------------------------------------------------------------------------------------
# The simulated utility
# --------------------------------------------------------------------------------------------

# Relative monthly electricity use (winter evenings are long) and heat use (season Oct–Apr).
ELECTRICITY_SEASON = (1220, 1150, 1050, 950, 880, 820, 800, 830, 900, 1000, 1120, 1220)
HEATING_SEASON = (1400, 1250, 1000, 600, 0, 0, 0, 0, 0, 600, 1000, 1300)
HEAT_GCAL_PER_M2 = 16  # thousandths of a Гкал per m² in an average heating month
COLD_NORM, HOT_NORM = 4900, 3600  # m³ × 10³ per resident a month, for flats without meters
COLD_USE, HOT_USE = 3200, 2300  # what a resident with meters actually uses
VERIFICATION_YEARS = {"electricity": 16, "cold-water": 6, "hot-water": 4}
# How customers pay: on time, ahead (rounding up), late or partly, hardly at all.
PROFILES, PROFILE_WEIGHTS = ("good", "advance", "late", "debtor"), (76, 9, 11, 4)
PENALTY_THRESHOLD = 100_00  # kopecks of overdue debt before a penalty line is worth printing
ZONE_NAMES = {1: ("",), 2: ("day", "night"), 3: ("peak", "semipeak", "night")}
ZONE_SHARES = {1: (1000,), 2: (700, 300), 3: (250, 450, 300)}
ELS_LETTERS = "АБВГДЕЖИКЛМНОПРСТУФХ"
IZHKU_SUFFIX = {ENERGY: "01", HEAT_WATER: "02", WASTE: "03", HOUSING: "04"}
AREA_BY_ROOMS = {1: (2800, 4200), 2: (4200, 6200), 3: (5800, 8400), 4: (7400, 11000)}

# channel, agent, weight; post office payments go to their own windows-1251 registry.
PAYMENT_AGENTS = (
    ("bank", "ПАО Сбербанк", 30),
    ("online_bank", "ПАО Сбербанк", 22),
    ("online_bank", "АО «Т-Банк»", 8),
    ("bank", "Банк ВТБ (ПАО)", 8),
    ("bank", "ПАО «Банк Синара»", 5),
    ("post", "АО «Почта России»", 15),
    ("terminal", "ООО «Элекснет»", 5),
    ("cashier", "Касса ЕРЦ", 7),
)
AGENT_WEIGHTS = list(itertools.accumulate(a[2] for a in PAYMENT_AGENTS))
PAYMENT_PREFIX = {"post": "ПР", "bank": "SB", "online_bank": "OB", "terminal": "TR"}
ELECTRICITY_MODELS = {
    1: ("Меркурий 201.5", "Энергомера СЕ101 R5", "Нева 103 1SO"),
    2: ("Меркурий 200.02", "Энергомера СЕ102М", "Нева МТ 124"),
    3: ("Меркурий 203.2ТD", "Милур 104"),
}
WATER_MODELS = {
    "cold-water": ("ВСХ-15", "Бетар СХВ-15", "Пульсар 15Х"),
    "hot-water": ("ВСГ-15", "Бетар СГВ-15", "Пульсар 15Г"),
}

CHARGE_COLUMNS = (
    "supplier", "branch", "account", "period", "recipient", "service", "zone", "tariff_code",
    "unit", "norm", "volume", "volume_common", "volume_basis", "tariff", "opening_balance",
    "charged", "surcharge", "recalculation", "recalculation_reason", "benefits", "paid", "total",
)  # fmt: skip
BILL_COLUMNS = (
    "supplier", "branch", "account", "period", "recipient", "number", "issued_on", "due_date",
    "opening_balance", "charged", "recalculation", "benefits", "penalties", "paid", "total",
)  # fmt: skip
ACCOUNT_COLUMNS = (
    "supplier", "branch", "account", "owner_name", "els", "izhku", "link_code",
    "automatic_readings", "status", "opened_on", "closed_on", "premises_id", "address", "region",
    "city", "street", "house", "building", "flat", "house_guid", "total_area", "living_area",
    "rooms", "residents",
)  # fmt: skip
METER_COLUMNS = (
    "supplier", "meter_id", "account", "branch", "service", "serial_number", "model", "kind",
    "zones", "capacity", "ratio", "location", "installed_on", "verified_on", "verification_due",
    "automatic",
)  # fmt: skip
READING_COLUMNS = (
    "supplier", "meter_id", "reading_id", "taken_on", "period", "value_1", "value_2", "value_3",
    "source", "status", "reason", "billed_period",
)  # fmt: skip
PAYMENT_COLUMNS = (
    "supplier", "branch", "account", "payment_id", "recipient", "paid_at", "amount", "channel",
    "agent",
)  # fmt: skip

Row = tuple[Any, ...]
# A line of a bill: recipient, service, zone.
LineKey = tuple[str, str, str]


@dataclass(slots=True)
class House:
    city: str
    branch: str
    street: str
    number: str
    building: str
    guid: str
    private: bool


@dataclass(slots=True)
class DemoPremises:
    external_id: str
    house: House
    flat: str
    total_area: int  # m² × 100
    living_area: int
    rooms: int
    residents: int
    owner: str
    els: str

    @property
    def address(self) -> str:
        house = self.house
        parts = [REGION, f"г. {house.city}", house.street, f"д. {house.number}"]
        if house.building:
            parts.append(f"корп. {house.building}")
        if self.flat:
            parts.append(f"кв. {self.flat}")
        return ", ".join(parts)


@dataclass(slots=True)
class DemoMeter:
    meter_id: str
    service: str
    zones: int
    fraction_digits: int
    share: int  # per mille of the account's use of the service that runs through this meter
    values: list[int]  # the register per zone, kWh or m³ × 10³
    automatic: bool
    # The least the next month may add: a rejected late reading already showed this much more.
    floor: list[int]


@dataclass(slots=True)
class DemoAccount:
    supplier: str
    branch: str
    number: str
    premises: DemoPremises
    plan: str  # energy tariff plan, or how ТКО is billed (residents / area)
    profile: str  # how the customer pays: good, advance, late, debtor
    first: int  # first month index with charges
    last: int  # last month index with charges
    opened_on: dt.date
    closed_on: dt.date | None
    beneficiary: bool
    use_factor: int  # per mille; households differ
    automatic: bool = False
    meters: list[DemoMeter] = field(default_factory=list)


@dataclass(slots=True)
class LineDraft:
    recipient: str
    service: str
    zone: str = ""
    tariff_code: str = ""
    unit: str = ""
    norm: int | None = None
    volume: int | None = None
    volume_common: int | None = None
    basis: str = ""
    tariff: int | None = None
    charged: int = 0
    surcharge: int = 0
    recalculation: int = 0
    reason: str = ""
    benefits: int = 0


@dataclass
class DemoFiles:
    """What was written: the paths and the rows per kind."""

    paths: list[Path]
    rows: dict[str, int]


class DemoUtility:
    """A seeded, reproducible utility: the same arguments always give the same files.

    ``shares`` splits the accounts between the energy retailer, the heat/water supplier (whose
    bills carry the housing company's section too) and the waste operator.
    """

    def __init__(
        self,
        accounts: int,
        months: int = 24,
        seed: int = 42,
        today: dt.date | None = None,
        shares: tuple[float, float, float] = (1 / 3, 1 / 3, 1 / 3),
    ) -> None:
        if accounts < 1 or months < 1:
            raise ValueError("accounts and months must be positive")
        self.accounts_count = accounts
        self.months = months
        self.seed = seed
        self.today = today or dt.date.today()  # noqa: DTZ011 - the local calendar date is meant
        self.shares = shares
        self.rng = random.Random(seed)
        self.first_period = add_months(period_of(self.today), -(months - 1))
        self._payments = 0
        self._years = self._tariff_years()
        self._prices = self._price_table()

    # -- periods and prices -----------------------------------------------------------------

    def period(self, index: int) -> dt.date:
        """Month 0 is the first written month; month -1 is an unwritten warm-up."""
        return add_months(self.first_period, index)

    def _tariff_years(self) -> list[int]:
        """Years whose July 1st starts a tariff version, back to before the warm-up month."""
        start = self.period(-1)
        first = start.year if start.month >= 7 else start.year - 1
        last = self.today.year if self.today.month >= 7 else self.today.year - 1
        # Even a short demo shows last year's prices in the tariff history.
        return list(range(min(first, last - 1), last + 1))

    def tariff_history(self) -> Iterator[tuple[tuple[str, str, str, str, str], int, int]]:
        """(supplier, service, code, zone, name), year, price for each version."""
        for spec in TARIFFS:
            prices = [spec[5]]
            for _year in self._years[1:]:
                # A year earlier, in whole kopecks as prices are published.
                earlier = prices[-1] * 1000 // YEARLY_INCREASE_PER_MILLE
                prices.append((earlier + 50) // 100 * 100)
            for year, value in zip(self._years, reversed(prices), strict=True):
                yield spec[:5], year, value

    def _price_table(self) -> dict[tuple[str, str, str, str], list[int]]:
        by_year: dict[tuple[str, str, str, str], dict[int, int]] = {}
        for (supplier, service, code, zone, _name), year, value in self.tariff_history():
            by_year.setdefault((supplier, service, code, zone), {})[year] = value
        table = {}
        for key, prices in by_year.items():
            table[key] = [
                prices[p.year if p.month >= 7 else p.year - 1]
                for p in (self.period(i) for i in range(-1, self.months))
            ]
        return table

    def price(self, supplier: str, service: str, code: str, zone: str, index: int) -> int:
        return self._prices[(supplier, service, code, zone)][index + 1]

    # -- who lives where ----------------------------------------------------------------------

    def _faker_pools(self) -> tuple[Callable[[], str], list[str]]:
        """Russian names and streets from Faker, drawn once into pools so 100,000 stay cheap."""
        from faker import Faker

        fake = Faker("ru_RU")
        fake.seed_instance(self.seed)
        size = 300
        male = (
            [fake.last_name_male() for _ in range(size)],
            [fake.first_name_male() for _ in range(size)],
            [fake.middle_name_male() for _ in range(size)],
        )
        female = (
            [fake.last_name_female() for _ in range(size)],
            [fake.first_name_female() for _ in range(size)],
            [fake.middle_name_female() for _ in range(size)],
        )
        streets = sorted({fake.street_name() for _ in range(150)})
        rng = self.rng

        def full_name() -> str:
            last, first, middle = male if rng.random() < 0.5 else female
            return f"{rng.choice(last)} {rng.choice(first)} {rng.choice(middle)}"

        return full_name, streets

    def _premises(self, count: int) -> list[DemoPremises]:
        rng = self.rng
        full_name, streets = self._faker_pools()
        cities = [c for c, _b, _w in CITIES]
        weights = [w for _c, _b, w in CITIES]
        branch_of = {c: b for c, b, _w in CITIES}
        used_els: set[str] = set()
        result: list[DemoPremises] = []
        while len(result) < count:
            city = rng.choices(cities, weights)[0]
            private = rng.random() < 0.12
            number = str(rng.randint(1, 90 if private else 180))
            if rng.random() < 0.08:
                number += rng.choice(("А", "Б", "/2"))
            house = House(
                city=city,
                branch=branch_of[city],
                street=rng.choice(streets),
                number=number,
                building="" if private or rng.random() > 0.1 else str(rng.randint(1, 4)),
                guid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                private=private,
            )
            flats = [0] if private else sorted(rng.sample(range(1, 220), rng.randint(4, 40)))
            for flat in flats:
                rooms = rng.choices((1, 2, 3, 4), (30, 38, 25, 7))[0] if flat else 4
                total = rng.randint(*AREA_BY_ROOMS[rooms])
                els = ""
                while not els or els in used_els:
                    els = (
                        f"{rng.randint(10, 99)}{rng.choice(ELS_LETTERS)}{rng.choice(ELS_LETTERS)}"
                        f"{rng.randint(0, 999_999):06d}"
                    )
                used_els.add(els)
                result.append(
                    DemoPremises(
                        external_id=f"P{len(result) + 1:07d}",
                        house=house,
                        flat=str(flat) if flat else "",
                        total_area=total,
                        living_area=total * rng.randint(55, 70) // 100,
                        rooms=rooms,
                        residents=rng.choices((0, 1, 2, 3, 4, 5), (5, 25, 32, 22, 12, 4))[0],
                        owner=full_name(),
                        els=els,
                    )
                )
                if len(result) == count:
                    break
        return result

    def _account_number(self, supplier: str, place: DemoPremises) -> str:
        rng = self.rng
        if supplier == ENERGY:
            return f"{BRANCHES[place.house.branch][2]}{rng.randint(10**8, 10**9 - 1)}"
        if supplier == HEAT_WATER:
            return str(rng.randint(2_000_000, 2_999_999))
        return f"66{rng.randint(0, 10**10 - 1):010d}"

    def _accounts(self) -> list[DemoAccount]:
        rng = self.rng
        n = self.accounts_count
        counts = [round(n * share) for share in self.shares[:2]]
        counts.append(n - sum(counts))
        # Fewer premises than accounts: many flats have accounts at two or three suppliers.
        premises = self._premises(max(*counts, int(n * 0.55) + 1))
        numbers: set[str] = set()
        accounts: list[DemoAccount] = []
        start = self.period(-1)
        for supplier, count in zip(MAIN_SUPPLIERS, counts, strict=True):
            for place in rng.sample(premises, count):
                number = ""
                while not number or number in numbers:
                    number = self._account_number(supplier, place)
                numbers.add(number)
                if supplier == ENERGY:
                    plan = "electric" if rng.random() < 0.25 else "gas"
                elif supplier == WASTE:
                    plan = "area" if place.residents == 0 or rng.random() < 0.2 else "residents"
                else:
                    plan = ""
                accounts.append(
                    DemoAccount(
                        supplier=supplier,
                        branch=place.house.branch if supplier == ENERGY else "",
                        number=number,
                        premises=place,
                        plan=plan,
                        profile=rng.choices(PROFILES, PROFILE_WEIGHTS)[0],
                        first=0,
                        last=self.months - 1,
                        opened_on=start - dt.timedelta(days=rng.randint(30, 6000)),
                        closed_on=None,
                        beneficiary=rng.random() < 0.08,
                        use_factor=rng.randint(700, 1300),
                    )
                )
        self._vary(accounts)
        return accounts

    def _vary(self, accounts: list[DemoAccount]) -> None:
        """Make sure even a small demo has closed, new, debtor and remotely read accounts."""
        rng = self.rng
        few = max(1, len(accounts) // 50)
        picked = rng.sample(accounts, min(len(accounts), 3 * few))
        closed, new, debtors = picked[:few], picked[few : 2 * few], picked[2 * few :]
        if self.months >= 2:
            for account in closed:
                account.last = rng.randint(0, self.months - 2)
                account.closed_on = self.period(account.last).replace(day=rng.randint(1, 28))
            for account in new:
                account.first = rng.randint(1, self.months - 1)
                account.opened_on = self.period(account.first)
        for account in debtors:
            account.profile = "debtor"
        energy = [a for a in accounts if a.supplier == ENERGY and a.closed_on is None]
        for account in rng.sample(energy, min(len(energy), few)):
            account.automatic = True

    def _add_meters(self, accounts: list[DemoAccount]) -> list[Row]:
        """Give energy and most heat/water accounts their meters; returns the meters rows."""
        rng = self.rng
        drafts: list[tuple[DemoAccount, DemoMeter, str, int, str, dt.date]] = []
        for account in accounts:
            specs: list[tuple[str, str]] = []
            if account.supplier == ENERGY:
                place = "на опоре" if account.premises.house.private else "лестничная площадка"
                specs = [("electricity", place)]
            elif account.supplier == HEAT_WATER and rng.random() < 0.8:
                places = ("кухня", "санузел") if rng.random() < 0.35 else ("санузел",)
                specs = [(s, p) for s in ("cold-water", "hot-water") for p in places]
            for service, location in specs:
                if service == "electricity":
                    zones, digits, fraction = rng.choices((1, 2, 3), (35, 55, 10))[0], 6, 1
                    model = rng.choice(ELECTRICITY_MODELS[zones])
                    # kWh × 10³, in whole tenths as a 6.1 register shows them
                    start = [rng.randint(500, 40000) * s // 100 * 100 for s in ZONE_SHARES[zones]]
                else:
                    zones, digits, fraction = 1, 5, 3
                    model = rng.choice(WATER_MODELS[service])
                    start = [rng.randint(10_000, 400_000)]
                meter = DemoMeter(
                    meter_id=f"{'E' if service == 'electricity' else 'W'}{len(drafts) + 1:07d}",
                    service=service,
                    zones=zones,
                    fraction_digits=fraction,
                    share=1000 if len(specs) <= 2 else (400 if location == "кухня" else 600),
                    values=start,
                    automatic=account.automatic,
                    floor=[0] * zones,
                )
                account.meters.append(meter)
                years = VERIFICATION_YEARS[service]
                due = self.today + dt.timedelta(days=rng.randint(100, years * 365 - 30))
                drafts.append((account, meter, model, digits, location, due))
        # A few meters fall due for verification within the next one to three months.
        open_meters = [i for i, d in enumerate(drafts) if d[0].closed_on is None]
        for i in rng.sample(open_meters, min(len(open_meters), max(1, len(drafts) // 30))):
            drafts[i] = (*drafts[i][:5], self.today + dt.timedelta(days=rng.randint(25, 85)))
        rows = []
        before_history = self.period(-1)
        for account, meter, model, digits, location, due in drafts:
            years = VERIFICATION_YEARS[meter.service]
            verified = _years_before(due, years)
            installed = verified if verified < before_history else _years_before(verified, years)
            rows.append(
                (
                    account.supplier,
                    meter.meter_id,
                    account.number,
                    account.branch,
                    meter.service,
                    str(rng.randint(10_000_000, 99_999_999)),
                    model,
                    "individual",
                    meter.zones,
                    f"{digits}.{meter.fraction_digits}",
                    "1",
                    location,
                    installed.isoformat(),
                    verified.isoformat(),
                    due.isoformat(),
                    "1" if meter.automatic else "0",
                )
            )
        return rows

    # -- writing ----------------------------------------------------------------------------

    def write(self, out: Path, log: Log | None = None) -> DemoFiles:
        """Write every kind of file into ``out``; paths come back in load order."""
        out.mkdir(parents=True, exist_ok=True)
        accounts = self._accounts()
        meter_rows = self._add_meters(accounts)
        paths: list[Path] = []
        rows = dict.fromkeys(("accounts", "meters", "tariffs", "charges", "bills", "readings"), 0)
        rows["payments"] = 0

        def opened(stack: ExitStack, name: str, encoding: str = "utf-8") -> IO[str]:
            paths.append(out / name)
            return stack.enter_context((out / name).open("w", encoding=encoding, newline=""))

        def csv_file(stack: ExitStack, name: str, columns: tuple[str, ...]) -> Any:
            writer = csv.writer(opened(stack, name), delimiter=";", lineterminator="\n")
            writer.writerow(columns)
            return writer

        with ExitStack() as stack:
            writer = csv_file(stack, "accounts.csv", ACCOUNT_COLUMNS)
            writer.writerows(self._account_row(account) for account in accounts)
            rows["accounts"] = len(accounts)
            csv_file(stack, "meters.csv", METER_COLUMNS).writerows(meter_rows)
            rows["meters"] = len(meter_rows)
            rows["tariffs"] = self._write_tariffs(opened(stack, "tariffs.jsonl"))
            writers = {
                "charges": csv_file(stack, "charges.csv", CHARGE_COLUMNS),
                "bills": csv_file(stack, "bills.csv", BILL_COLUMNS),
                "readings": csv_file(stack, "readings.csv", READING_COLUMNS),
                "payments": csv_file(stack, "payments_banks.csv", PAYMENT_COLUMNS),
            }
            post: list[Row] = []
            for done, account in enumerate(accounts, 1):
                for kind, row in self._history(account):
                    rows[kind] += 1
                    if kind == "payments" and row[7] == "post":
                        post.append(row)
                    else:
                        writers[kind].writerow(row)
                if log and done % 20_000 == 0:
                    log(f"  … {done} лицевых счетов")
            self._write_post_registry(opened(stack, "payments_post.csv", "cp1251"), post)
        return DemoFiles(paths=paths, rows=rows)

    def _account_row(self, account: DemoAccount) -> Row:
        place = account.premises
        house = place.house
        return (
            account.supplier,
            account.branch,
            account.number,
            place.owner,
            place.els,
            f"{place.els}-{IZHKU_SUFFIX[account.supplier]}",
            f"{self.rng.randint(0, 99_999_999):08d}",
            "1" if account.automatic else "0",
            "closed" if account.closed_on else "open",
            account.opened_on.isoformat(),
            account.closed_on.isoformat() if account.closed_on else "",
            place.external_id,
            place.address,
            REGION,
            house.city,
            house.street,
            house.number,
            house.building,
            place.flat,
            house.guid,
            area(place.total_area),
            area(place.living_area),
            place.rooms,
            place.residents,
        )

    def _write_tariffs(self, handle: IO[str]) -> int:
        count = 0
        last_year = self._years[-1]
        for (supplier, service, code, zone, name), year, value in self.tariff_history():
            row = {
                "supplier": supplier,
                "service": service,
                "tariff_code": code,
                "name": name,
                "zone": zone,
                # JSON lines may carry numbers or strings; a billing system sends either. The
                # number is written as its digits (below), never through a float.
                "price": price(value) if count % 2 else _NUMBER,
                "valid_from": dt.date(year, 7, 1).isoformat(),
                "valid_to": None if year == last_year else dt.date(year + 1, 6, 30).isoformat(),
            }
            line = json.dumps(row, ensure_ascii=False)
            handle.write(line.replace(f'"{_NUMBER}"', price(value)) + "\n")
            count += 1
        return count

    def _write_post_registry(self, handle: IO[str], rows: list[Row]) -> None:
        """The post office's registry as such registries come: cp1251, totals in comments,
        decimal commas, dates as dd.mm.yyyy and account numbers as printed on the bill."""
        total = sum(int(row[6].replace(".", "")) for row in rows)
        handle.write("# Реестр платежей АО «Почта России», УФПС Свердловской области\n")
        handle.write(f"# Платежей: {len({r[3] for r in rows})}; сумма: {money(total)} руб.\n")
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(PAYMENT_COLUMNS)
        for row in rows:
            paid_at = row[5]  # YYYY-MM-DD HH:MM
            writer.writerow(
                (
                    row[0],
                    row[1],
                    f"л/с {row[2]}",
                    row[3],
                    row[4],
                    f"{paid_at[8:10]}.{paid_at[5:7]}.{paid_at[:4]} {paid_at[11:]}",
                    row[6].replace(".", ","),
                    row[7],
                    row[8],
                )
            )

    # -- month by month -----------------------------------------------------------------------

    def _history(self, account: DemoAccount) -> Iterator[tuple[str, Row]]:
        """Readings, payments, charges and bills of one account, month by month.

        A line's opening balance is last month's total; a payment pays last month's bill.
        """
        balances: dict[LineKey, int] = {}
        last_totals: dict[str, dict[LineKey, int]] = {}
        last_charged: dict[str, int] = {}
        usage: dict[str, list[list[int]]] = {}  # billed use per meter, for estimates
        window = _window(account.supplier)
        begin = -1 if account.first == 0 else account.first
        for index in range(begin, account.last + 1):
            written = index >= 0
            payment_rows, paid = self._pay(account, index, last_totals)
            drafts: list[LineDraft] = []
            for item in self._month(account, index, window, usage):
                if isinstance(item, LineDraft):
                    drafts.append(item)
                elif written:
                    yield "readings", item
            if written:
                for row in payment_rows:
                    yield "payments", row
            drafts.extend(self._penalties(balances, last_charged, paid))
            lines = {(d.recipient, d.service, d.zone): d for d in drafts}
            for key, balance in balances.items():
                if key not in lines and (balance or key in paid):
                    lines[key] = LineDraft(key[0], key[1], key[2], unit=UNITS[key[1]])
            sections: dict[str, list[int]] = {}
            last_totals, last_charged = {}, {}
            period = self.period(index)
            for key, d in lines.items():
                opening = balances.get(key, 0)
                line_paid = paid.get(key, 0)
                total = opening + d.charged + d.surcharge + d.recalculation - d.benefits - line_paid
                if not (opening or d.charged or line_paid or total):
                    continue
                balances[key] = total
                last_totals.setdefault(d.recipient, {})[key] = total
                penalty = d.service == "penalty"
                charged = 0 if penalty else d.charged + d.surcharge
                last_charged[d.recipient] = last_charged.get(d.recipient, 0) + charged
                section = sections.setdefault(d.recipient, [0] * 7)
                section[0] += opening
                section[1] += charged
                section[2] += d.recalculation
                section[3] += d.benefits
                section[4] += d.charged if penalty else 0
                section[5] += line_paid
                section[6] += total
                if written:
                    yield "charges", self._charge_row(account, period, d, opening, line_paid, total)
            if written:
                for row in self._bill_rows(account, period, index, sections):
                    yield "bills", row

    def _month(
        self,
        account: DemoAccount,
        index: int,
        window: tuple[int, int],
        usage: dict[str, list[list[int]]],
    ) -> Iterator[LineDraft | Row]:
        if account.supplier == ENERGY:
            yield from self._energy(account, index, window, usage)
        elif account.supplier == HEAT_WATER:
            yield from self._heat_water(account, index, window, usage)
        else:
            yield self._waste(account, index)

    def _reading_date(
        self, account: DemoAccount, index: int, window: tuple[int, int]
    ) -> dt.date | None:
        """When this month's reading was taken, or None when it has not arrived yet."""
        rng = self.rng
        period = self.period(index)
        first, last = window
        if index < self.months - 1:
            return period.replace(day=first if account.automatic else rng.randint(first, last))
        # The current month's window may still be open and not everybody has sent readings:
        # the rest can try the portal.
        if self.today.day < first or (not account.automatic and rng.random() < 0.55):
            return None
        day = first if account.automatic else rng.randint(first, min(last, self.today.day))
        return period.replace(day=day)

    def _advance(
        self,
        account: DemoAccount,
        meter: DemoMeter,
        index: int,
        taken_on: dt.date | None,
        use: list[int],
        usage: dict[str, list[list[int]]],
    ) -> tuple[list[int], list[Row]]:
        """Run a meter for a month: the use billed per zone and its reading rows."""
        step = 10 ** (3 - meter.fraction_digits)
        if taken_on is None:
            # No reading yet: billing charges the average of the last three months.
            recent = usage.get(meter.meter_id, [])[-3:] or [use]
            return [
                sum(zone) // len(recent) // step * step for zone in zip(*recent, strict=True)
            ], []
        use = [max(u // step * step, f) for u, f in zip(use, meter.floor, strict=True)]
        meter.floor = [0] * meter.zones
        meter.values = [v + u for v, u in zip(meter.values, use, strict=True)]
        usage.setdefault(meter.meter_id, []).append(use)
        if index < 0:
            return use, []
        period = self.period(index)
        current = index == self.months - 1
        rng = self.rng
        source = (
            "automatic" if meter.automatic else rng.choices(("billing", "inspector"), (95, 5))[0]
        )
        rows = [
            self._reading_row(
                account, meter, f"{meter.meter_id}-{period:%Y%m}", taken_on, meter.values,
                source, "accepted" if current else "billed", "",
                "" if current else format_period(period),
            )
        ]  # fmt: skip
        if not current and not meter.automatic and rng.random() < 0.03:
            # A second reading after the window closed, which billing rejected. Next month adds
            # at least as much, so the register never runs backwards.
            extra = [u // 8 // step * step for u in use]
            meter.floor = extra
            late = [v + e for v, e in zip(meter.values, extra, strict=True)]
            rows.append(
                self._reading_row(
                    account, meter, f"{meter.meter_id}-{period:%Y%m}-2",
                    period.replace(day=rng.randint(27, 28)), late, "billing", "rejected",
                    "Показания переданы после окончания периода приёма", "",
                )
            )  # fmt: skip
        return use, rows

    def _reading_row(
        self,
        account: DemoAccount,
        meter: DemoMeter,
        reading_id: str,
        taken_on: dt.date,
        values: list[int],
        source: str,
        status: str,
        reason: str,
        billed_period: str,
    ) -> Row:
        text = [reading_value(v, meter.fraction_digits) for v in values] + ["", ""]
        return (
            account.supplier,
            meter.meter_id,
            reading_id,
            taken_on.isoformat(),
            format_period(taken_on),
            text[0],
            text[1],
            text[2],
            source,
            status,
            reason,
            billed_period,
        )

    def _energy(
        self,
        account: DemoAccount,
        index: int,
        window: tuple[int, int],
        usage: dict[str, list[list[int]]],
    ) -> Iterator[LineDraft | Row]:
        rng = self.rng
        month = self.period(index).month
        people = max(account.premises.residents, 1)
        kwh = (60 + 55 * people) * (16 if account.plan == "electric" else 10) // 10
        kwh = kwh * account.use_factor * ELECTRICITY_SEASON[month - 1] // 1_000_000
        kwh = kwh * rng.randint(850, 1150) // 1000
        meter = account.meters[0]
        taken_on = self._reading_date(account, index, window)
        use = [kwh * 1000 * share // 1000 for share in ZONE_SHARES[meter.zones]]
        billed, rows = self._advance(account, meter, index, taken_on, use, usage)
        yield from rows
        recalculated = rng.random() < 0.01
        for n, (zone, volume) in enumerate(zip(ZONE_NAMES[meter.zones], billed, strict=True)):
            tariff = self.price(ENERGY, "electricity", account.plan, zone, index)
            charged = charge_for(volume, tariff)
            recalculation = charged // 10 if recalculated and n == 0 else 0
            yield LineDraft(
                recipient=ENERGY,
                service="electricity",
                zone=zone,
                tariff_code=account.plan,
                unit="кВт·ч",
                volume=volume,
                basis="meter" if taken_on else "average",
                tariff=tariff,
                charged=charged,
                recalculation=recalculation,
                reason="Доначисление по результатам проверки прибора учёта"
                if recalculation
                else "",
                benefits=charged * 3 // 10 if account.beneficiary else 0,
            )

    def _heat_water(
        self,
        account: DemoAccount,
        index: int,
        window: tuple[int, int],
        usage: dict[str, list[list[int]]],
    ) -> Iterator[LineDraft | Row]:
        rng = self.rng
        place = account.premises
        people = place.residents
        taken_on = self._reading_date(account, index, window) if account.meters else None
        volumes: dict[str, int] = {}
        by_norm: dict[str, bool] = {}
        for service, per_person, norm in (
            ("cold-water", COLD_USE, COLD_NORM),
            ("hot-water", HOT_USE, HOT_NORM),
        ):
            meters = [m for m in account.meters if m.service == service]
            by_norm[service] = not meters
            if not meters:
                # Nobody registered: billing charges by the number of owners, here one.
                volumes[service] = norm * max(people, 1)
                continue
            use = max(200, per_person * people) * account.use_factor // 1000
            use = use * rng.randint(850, 1150) // 1000
            volumes[service] = 0
            for meter in meters:
                billed, rows = self._advance(
                    account, meter, index, taken_on, [use * meter.share // 1000], usage
                )
                volumes[service] += billed[0]
                yield from rows
        volumes["sewerage"] = volumes["cold-water"] + volumes["hot-water"]
        by_norm["sewerage"] = by_norm["cold-water"]
        absent = rng.random() < 0.04  # away for part of the month: norm charges are recalculated
        metered_basis = "meter" if taken_on else "average"
        for service in ("cold-water", "hot-water", "sewerage"):
            tariff = self.price(HEAT_WATER, service, "", "", index)
            charged = charge_for(volumes[service], tariff)
            norm_based = by_norm[service]
            recalculation = -(charged * rng.randint(5, 20) // 30) if absent and norm_based else 0
            yield LineDraft(
                recipient=HEAT_WATER,
                service=service,
                unit="м³",
                norm={"cold-water": COLD_NORM, "hot-water": HOT_NORM}.get(service)
                if norm_based
                else None,
                volume=volumes[service],
                basis="norm" if norm_based else metered_basis,
                tariff=tariff,
                charged=charged,
                # Without a meter, water is charged by the norm with the increasing factor 1.5.
                surcharge=charged // 2 if norm_based and service != "sewerage" else 0,
                recalculation=recalculation,
                reason="Временное отсутствие потребителя" if recalculation else "",
                benefits=charged * 3 // 10 if account.beneficiary else 0,
            )
        if place.house.private:
            return  # a private house has its own boiler and no managing company
        season = HEATING_SEASON[self.period(index).month - 1]
        area_milli = place.total_area * 10
        if season:
            gcal = area_milli * HEAT_GCAL_PER_M2 // 1000 * season // 1000
            tariff = self.price(HEAT_WATER, "heating", "", "", index)
            charged = charge_for(gcal, tariff)
            yield LineDraft(
                recipient=HEAT_WATER,
                service="heating",
                unit="Гкал",
                volume=gcal,
                basis="building_meter",
                tariff=tariff,
                charged=charged,
                benefits=charged // 2 if account.beneficiary else 0,
            )
        for service, volume, common in (
            ("maintenance", area_milli, None),
            ("capital-repair", area_milli, None),
            ("intercom", 1000, None),
            ("cold-water-common", None, area_milli * 15 // 10_000),
            ("electricity-common", None, area_milli * 4 // 10),
        ):
            tariff = self.price(HOUSING, service, "", "", index)
            yield LineDraft(
                recipient=HOUSING,
                service=service,
                unit=UNITS[service],
                volume=volume,
                volume_common=common,
                basis="building_meter" if common is not None else "",
                tariff=tariff,
                charged=charge_for(volume if volume is not None else common or 0, tariff),
            )

    def _waste(self, account: DemoAccount, index: int) -> LineDraft:
        place = account.premises
        by_area = account.plan == "area"
        volume = place.total_area * 10 if by_area else place.residents * 1000
        tariff = self.price(WASTE, "tko", account.plan, "", index)
        charged = charge_for(volume, tariff)
        return LineDraft(
            recipient=WASTE,
            service="tko",
            tariff_code=account.plan,
            unit="м²" if by_area else "чел.",
            volume=volume,
            basis="norm",
            tariff=tariff,
            charged=charged,
            benefits=charged // 2 if account.beneficiary else 0,
        )

    def _penalties(
        self,
        balances: dict[LineKey, int],
        last_charged: dict[str, int],
        paid: dict[LineKey, int],
    ) -> Iterator[LineDraft]:
        """Penalties on debt older than the last bill: 1/300 of a 9.5 % rate for 30 days."""
        for recipient in sorted({key[0] for key in balances}):
            owed = sum(
                amount - paid.get(key, 0)
                for key, amount in balances.items()
                if key[0] == recipient and key[1] != "penalty"
            )
            overdue = owed - last_charged.get(recipient, 0)
            if overdue > PENALTY_THRESHOLD:
                yield LineDraft(
                    recipient=recipient,
                    service="penalty",
                    charged=overdue * 95 // 10_000,
                )

    def _pay(
        self, account: DemoAccount, index: int, last_totals: dict[str, dict[LineKey, int]]
    ) -> tuple[list[Row], dict[LineKey, int]]:
        """This month's payment of last month's bill: its file rows and what each line got."""
        rng = self.rng
        due = {recipient: sum(lines.values()) for recipient, lines in last_totals.items()}
        if sum(due.values()) <= 0:
            return [], {}
        profile = account.profile
        if profile == "good":
            per_mille = 0 if rng.random() < 0.06 else 1000
        elif profile == "advance":
            per_mille = 1000
        elif profile == "late":
            per_mille = rng.choice((0, 0, 1000, 1000, 500))
        else:
            per_mille = rng.choice((0, 0, 0, 300, 0))
        day = rng.randint(1, 28 if profile == "late" else 25)
        if not per_mille or (index == self.months - 1 and day >= self.today.day):
            return [], {}
        period = self.period(index)
        channel, agent, _weight = rng.choices(PAYMENT_AGENTS, cum_weights=AGENT_WEIGHTS)[0]
        self._payments += 1
        payment_id = f"{PAYMENT_PREFIX.get(channel, 'KS')}{period:%y%m}{self._payments:08d}"
        # Local time of the supplier, as the exchange format says.
        paid_at = f"{period:%Y-%m}-{day:02d} {rng.randint(8, 21):02d}:{rng.randint(0, 59):02d}"
        rows: list[Row] = []
        by_line: dict[LineKey, int] = {}
        for recipient, lines in sorted(last_totals.items()):
            amount = max(0, due[recipient]) * per_mille // 1000
            if profile == "advance" and amount:
                amount = (amount + 99_99) // 100_00 * 100_00  # rounded up to whole hundreds
            if amount <= 0:
                continue
            left = amount
            ordered = sorted(lines.items(), key=lambda item: -item[1])
            for key, total in ordered:
                part = min(total, left)
                if part > 0:
                    by_line[key] = part
                    left -= part
            if left:  # an advance stays on the largest line
                by_line[ordered[0][0]] = by_line.get(ordered[0][0], 0) + left
            rows.append(
                (
                    account.supplier,
                    account.branch,
                    account.number,
                    payment_id,
                    recipient,
                    paid_at,
                    money(amount),
                    channel,
                    agent,
                )
            )
        return rows, by_line

    def _charge_row(
        self,
        account: DemoAccount,
        period: dt.date,
        d: LineDraft,
        opening: int,
        paid: int,
        total: int,
    ) -> Row:
        return (
            account.supplier,
            account.branch,
            account.number,
            format_period(period),
            d.recipient,
            d.service,
            d.zone,
            d.tariff_code,
            d.unit,
            "" if d.norm is None else quantity(d.norm),
            "" if d.volume is None else quantity(d.volume),
            "" if d.volume_common is None else quantity(d.volume_common),
            d.basis,
            "" if d.tariff is None else price(d.tariff),
            money(opening),
            money(d.charged),
            money(d.surcharge),
            money(d.recalculation),
            d.reason,
            money(d.benefits),
            money(paid),
            money(total),
        )

    def _bill_rows(
        self, account: DemoAccount, period: dt.date, index: int, sections: dict[str, list[int]]
    ) -> Iterator[Row]:
        following = add_months(period, 1)
        issued = min(following.replace(day=1 + index % 3), self.today)
        # From March 2026 a bill is paid by the 15th of the next month, before that by the 10th.
        due = following.replace(day=15 if following >= dt.date(2026, 3, 1) else 10)
        for recipient, amounts in sections.items():
            yield (
                account.supplier,
                account.branch,
                account.number,
                format_period(period),
                recipient,
                # ИПД: the ЕЛС, the recipient and the month, 18 characters.
                f"{account.premises.els}-{IZHKU_SUFFIX[recipient]}-{period:%m%y}",
                issued.isoformat(),
                due.isoformat(),
                *(money(v) for v in amounts),
            )


def _window(supplier: str) -> tuple[int, int]:
    """Days of the month when readings are taken (capped so every month has them)."""
    spec = next(s for s in SUPPLIERS if s["code"] == supplier)
    return spec["readings_first_day"], min(spec["readings_last_day"], 26)


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)
