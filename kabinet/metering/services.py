"""Submitting meter readings: parsing, validation against the meter and its history, saving.

The page and the API share ``check_readings`` (what the confirmation step shows) and
``submit_readings`` (the save). Both raise ``ReadingsError`` with one ``Problem`` per meter zone
(or per meter, or for the whole submission), each with a stable code and a Russian message, so
the page shows it next to the input and the API returns it in ``fields``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kabinet.billing import versions
from kabinet.billing.models import AccountLink, Supplier
from kabinet.core.audit import Action, record
from kabinet.core.errors import ServiceError
from kabinet.core.uploads import IMAGES_AND_PDF, check_upload, private_storage, store_upload
from kabinet.identity.models import User
from kabinet.metering import selectors
from kabinet.metering.models import Meter, Reading
from kabinet.metering.windows import Windows, WindowState, closed_message

# A lower value counts as a roll-over past the digit capacity only if what it implies was used
# since the last reading is less than this share of the capacity: 999 950 → 30 on a six-digit
# meter is 80 units, 1 500 → 1 400 would be 999 900.
ROLLOVER_SHARE = Decimal("0.1")
DAYS_PER_MONTH = Decimal("30.4375")
PHOTO_FOLDER = "readings"
PHOTO_KINDS = IMAGES_AND_PDF

# Codes a customer can clear by confirming; everything else needs a different value.
CONFIRMABLE = frozenset({"needs_rollover_confirmation", "needs_jump_confirmation"})

_NUMBER_RE = re.compile(r"^(\d+)(?:[.,](\d+))?$", re.ASCII)


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    meter_id: int | None = None
    zone: int | None = None  # 1..3, the position of value_1..value_3

    @property
    def field(self) -> str:
        """The input it belongs to on the page: ``m12_z1``, ``m12``, ``photo`` or ``__all__``."""
        if self.code.startswith("photo"):
            return "photo"
        if self.meter_id is None:
            return "__all__"
        if self.zone is None:
            return f"m{self.meter_id}"
        return f"m{self.meter_id}_z{self.zone}"


class ReadingsError(ServiceError):
    """A refused submission; nothing was saved.

    The code and message are the first problem's. ``fields`` names each problem's input as the
    submission does (``meters.<id>.value_<zone>``, ``meters.<id>``, ``photo`` or ``__all__``), so
    the API returns them as they are; ``by_field()`` names them as the page's inputs do.
    """

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        fields: dict[str, list[str]] = {}
        for problem in self.problems:
            fields.setdefault(self._path(problem), []).append(problem.message)
        super().__init__(self.problems[0].code, self.problems[0].message, fields)

    @staticmethod
    def _path(problem: Problem) -> str:
        if problem.field == "photo":
            return "photo"
        if problem.meter_id is None:
            return "__all__"
        if problem.zone is None:
            return f"meters.{problem.meter_id}"
        return f"meters.{problem.meter_id}.value_{problem.zone}"

    @property
    def only_confirmations(self) -> bool:
        return all(p.code in CONFIRMABLE for p in self.problems)

    def by_field(self) -> dict[str, list[str]]:
        fields: dict[str, list[str]] = {}
        for problem in self.problems:
            fields.setdefault(problem.field, []).append(problem.message)
        return fields


@dataclass
class PlannedReading:
    """One meter's values as they will be saved, with what was found about them.

    ``window`` is the meter's own supplier's: the reading is for its period and taken on its
    date (``window.today``, in that supplier's zone)."""

    meter: Meter
    window: WindowState
    values: list[Decimal]
    previous: Reading | None
    replaces: Reading | None
    rollover: bool = False
    jump: bool = False
    verification_overdue: bool = False


@dataclass
class Plan:
    """What a submission would save. ``window`` is the one the page names: that of the first
    meter sent (usually all share one supplier), else the account's supplier's."""

    window: WindowState
    readings: list[PlannedReading] = field(default_factory=list)

    @property
    def periods(self) -> list[dt.date]:
        return sorted({planned.window.period for planned in self.readings})


def show(value: Decimal, meter: Meter) -> str:
    """A value as the customer reads it: «1 234,50» with the meter's fraction digits."""
    return meter.show(value)


def parse_value(text: str, meter: Meter) -> Decimal:
    """A typed reading: digits, at most one «.» or «,» with digits after it, within capacity.

    Raises ``ReadingsError`` with a single problem (without meter/zone; the caller adds them).
    """
    text = text.strip()
    if not text:
        raise ReadingsError([Problem("required", _("Введите показание."))])
    if text.startswith("-") and _NUMBER_RE.match(text[1:]):
        raise ReadingsError([Problem("negative", _("Показание не может быть отрицательным."))])
    match = _NUMBER_RE.match(text)
    if not match:
        raise ReadingsError(
            [
                Problem(
                    "not_a_number",
                    _(
                        "Введите число: только цифры и, если нужно, одна запятая "
                        "и цифры дробной части после неё."
                    ),
                )
            ]
        )
    integer, fraction = match.group(1), match.group(2) or ""
    # Leading zeros are how the register shows the number; trailing zeros add nothing.
    if len(integer.lstrip("0")) > meter.integer_digits:
        raise ReadingsError(
            [
                Problem(
                    "too_many_digits",
                    _("У прибора %(n)s разрядов до запятой: столько цифр не помещается.")
                    % {"n": meter.integer_digits},
                )
            ]
        )
    if len(fraction.rstrip("0")) > meter.fraction_digits:
        if meter.fraction_digits == 0:
            message = _(
                "Прибор показывает только целые числа: введите показание без дробной части."
            )
        else:
            message = _("После запятой не больше %(n)s цифр(ы), как на приборе.") % {
                "n": meter.fraction_digits
            }
        raise ReadingsError([Problem("too_many_digits", message)])
    return Decimal(f"{integer}.{fraction or '0'}")


def _locate(error: ReadingsError, meter: Meter, zone: int) -> Problem:
    problem = error.problems[0]
    return Problem(problem.code, problem.message, meter.pk, zone)


def average_monthly_use(history: Sequence[Reading], zone: int, today: dt.date) -> Decimal | None:
    """Mean use a month over the last 12 months from accepted readings, or None if unknown."""
    since = today - dt.timedelta(days=366)
    points = [
        (r.taken_on, r.values[zone - 1])
        for r in history
        if r.taken_on >= since and len(r.values) >= zone
    ]
    if len(points) < 2:
        return None
    (first_day, first), (last_day, last) = points[0], points[-1]
    months = Decimal((last_day - first_day).days) / DAYS_PER_MONTH
    if months < Decimal("0.9") or last <= first:
        return None
    return (last - first) / months


def _compare(
    planned: PlannedReading,
    history: Sequence[Reading],
    *,
    jump_factor: Decimal,
    today: dt.date,
    confirm_rollover: bool,
    confirm_jump: bool,
) -> list[Problem]:
    meter, previous = planned.meter, planned.previous
    if previous is None:
        return []
    problems: list[Problem] = []
    capacity = Decimal(10) ** meter.integer_digits
    months_since = max(Decimal(1), Decimal((today - previous.taken_on).days) / DAYS_PER_MONTH)
    for zone, value in enumerate(planned.values, start=1):
        if zone > len(previous.values):
            continue
        before = previous.values[zone - 1]
        use = value - before
        if value < before:
            use = capacity - before + value
            if use >= capacity * ROLLOVER_SHARE:
                problems.append(
                    Problem(
                        "lower_than_previous",
                        _("Показание не может быть меньше предыдущего принятого (%(prev)s).")
                        % {"prev": show(before, meter)},
                        meter.pk,
                        zone,
                    )
                )
                continue
            planned.rollover = True
            if not confirm_rollover:
                problems.append(
                    Problem(
                        "needs_rollover_confirmation",
                        _(
                            "Показание меньше предыдущего (%(prev)s). Если счётчик перешёл "
                            "через ноль после %(max)s, подтвердите это."
                        )
                        % {"prev": show(before, meter), "max": "9" * meter.integer_digits},
                        meter.pk,
                        zone,
                    )
                )
                continue
        average = average_monthly_use(history, zone, today) if jump_factor > 0 else None
        if average is not None and use > average * jump_factor * months_since:
            planned.jump = True
            if not confirm_jump:
                problems.append(
                    Problem(
                        "needs_jump_confirmation",
                        _(
                            "Расход %(use)s %(unit)s намного больше обычного (в среднем "
                            "%(avg)s в месяц). Проверьте показание или подтвердите его."
                        )
                        % {
                            "use": show(use, meter),
                            "unit": meter.service.unit,
                            "avg": show(average, meter),
                        },
                        meter.pk,
                        zone,
                    )
                )
    return problems


def check_readings(
    *,
    link: AccountLink,
    values: Mapping[int, Sequence[str]],
    confirm_rollover: bool = False,
    confirm_jump: bool = False,
    moment: dt.datetime | None = None,
) -> Plan:
    """Validate ``values`` (meter id → typed value per zone) for the linked account.

    Returns what would be saved; raises ``ReadingsError`` listing every problem. A meter with all
    zones empty is left out (a customer may send some meters now and others later); a meter that
    is not an active meter of this account is ``meter_not_found`` whoever it belongs to.

    Each meter is checked against its own supplier's window and settings (an agent's account
    may have meters of several suppliers): ``window_closed`` for the meter when only its window
    is closed, for the whole submission when every meter's is. A meter past its verification
    date is ``verification_overdue`` where its supplier refuses such readings, and is flagged
    on the reading where it takes them.
    """
    account = link.account
    open_windows = Windows(moment)
    plan = Plan(window=open_windows.of(account.supplier))
    if account.automatic_readings:
        raise ReadingsError([Problem("automatic_meter", automatic_message())])
    today = plan.window.today
    in_service, facts = selectors.meters_with_facts(
        account.pk,
        today,
        since=today - dt.timedelta(days=400),
        period_of=lambda meter: open_windows.of(meter.supplier).period,
    )
    candidates = [open_windows.of(meter.supplier) for meter in in_service] or [plan.window]
    if not any(window.accepts for window in candidates):
        soonest = min(candidates, key=lambda window: window.opens_at)
        raise ReadingsError([Problem("window_closed", closed_message(soonest))])
    meters = {m.pk: m for m in in_service}
    problems: list[Problem] = []
    wanted: list[tuple[Meter, list[Decimal]]] = []
    for meter_id, typed in values.items():
        meter = meters.get(meter_id)
        if meter is None:
            problems.append(
                Problem(
                    "meter_not_found",
                    _("Такого прибора учёта нет среди приборов этого лицевого счёта."),
                    meter_id,
                )
            )
            continue
        texts = [str(t or "") for t in typed]
        if not any(t.strip() for t in texts):
            continue
        if meter.is_automatic:
            problems.append(Problem("automatic_meter", automatic_message(), meter.pk))
            continue
        window = open_windows.of(meter.supplier)
        if not window.accepts:
            problems.append(Problem("window_closed", closed_message(window), meter.pk))
            continue
        if refuses_overdue(meter, window):
            problems.append(Problem("verification_overdue", overdue_refusal(meter), meter.pk))
            continue
        if any(t.strip() for t in texts[meter.zones :]):
            problems.append(
                Problem(
                    "too_many_values",
                    _("У прибора %(n)s тарифн. зон(ы): лишние значения.") % {"n": meter.zones},
                    meter.pk,
                )
            )
            continue
        texts += [""] * (meter.zones - len(texts))
        parsed: list[Decimal] = []
        for zone, text in enumerate(texts[: meter.zones], start=1):
            if not text.strip():
                problems.append(
                    Problem(
                        "zones_incomplete",
                        _("Введите показания всех зон прибора: они передаются вместе."),
                        meter.pk,
                        zone,
                    )
                )
                continue
            try:
                parsed.append(parse_value(text, meter))
            except ReadingsError as error:
                problems.append(_locate(error, meter, zone))
        if len(parsed) == meter.zones:
            wanted.append((meter, parsed))
    if not wanted and not problems:
        problems.append(
            Problem("nothing_to_send", _("Введите показания хотя бы одного прибора учёта."))
        )
    facts.complete([meter.pk for meter, _values in wanted])
    if wanted:
        plan.window = open_windows.of(wanted[0][0].supplier)
    for meter, parsed in wanted:
        window = open_windows.of(meter.supplier)
        planned = PlannedReading(
            meter=meter,
            window=window,
            values=parsed,
            previous=facts.last.get(meter.pk),
            replaces=facts.open.get(meter.pk),
            verification_overdue=meter.verification_overdue_on(window.today),
        )
        problems += _compare(
            planned,
            facts.history.get(meter.pk, []),
            jump_factor=meter.supplier.readings_jump_factor,
            today=window.today,
            confirm_rollover=confirm_rollover,
            confirm_jump=confirm_jump,
        )
        plan.readings.append(planned)
    if problems:
        raise ReadingsError(problems)
    return plan


def automatic_message() -> str:
    return _(
        "Показания этого прибора снимаются дистанционно и передаются поставщику "
        "автоматически: вводить их не нужно."
    )


def refuses_overdue(meter: Meter, window: WindowState) -> bool:
    """The meter is past its verification date and its supplier takes no readings until the
    meter is verified."""
    return (
        meter.supplier.readings_overdue_verification == Supplier.OverdueVerification.REFUSE
        and meter.verification_overdue_on(window.today)
    )


def overdue_refusal(meter: Meter) -> str:
    return _(
        "Истёк срок поверки прибора учёта № %(serial)s (поверка до %(date)s). Передать "
        "показания можно после поверки."
    ) % {"serial": meter.serial_number, "date": _due(meter)}


def overdue_warning(meter: Meter) -> str:
    """What the customer reads before sending a reading of an overdue meter its supplier takes."""
    return _(
        "Истёк срок поверки прибора учёта (поверка до %(date)s). Показания будут переданы с "
        "отметкой об этом: поставщик может начислить плату не по ним, а по среднему расходу "
        "или нормативу. Закажите поверку прибора."
    ) % {"date": _due(meter)}


def _due(meter: Meter) -> str:
    return date_format(meter.verification_due, "d.m.Y") if meter.verification_due else ""


@dataclass(frozen=True)
class Submission:
    """What a submission saved. ``period`` is the plan's window's; each reading has its own
    (meters of suppliers with different windows)."""

    period: dt.date
    readings: list[Reading]
    replaced: int


def _store_photo(photo: UploadedFile | None) -> tuple[str, str]:
    if photo is None:
        return "", ""
    try:
        stored = store_upload(photo, folder=PHOTO_FOLDER, allowed=PHOTO_KINDS)
    except ValidationError as error:
        raise ReadingsError([Problem("photo_invalid", " ".join(error.messages))]) from None
    return stored.name, stored.kind.content_type


def check_photo(photo: UploadedFile | None) -> None:
    """Size and type of an attached photo, by content; ``photo_invalid`` if not acceptable."""
    if photo is None:
        return
    try:
        check_upload(photo, allowed=PHOTO_KINDS)
    except ValidationError as error:
        raise ReadingsError([Problem("photo_invalid", " ".join(error.messages))]) from None


# The columns a correction replaces in the period's unanswered submission; its meter, period,
# source and status stay, and its photo stays unless the correction brings one.
_REPLACED = [
    "value_1",
    "value_2",
    "value_3",
    "account_number",
    "taken_on",
    "submitted_at",
    "submitted_by",
    "rollover_confirmed",
    "jump_confirmed",
    "verification_overdue",
]


def _save(readings: list[Reading], known: Mapping[int, Reading]) -> int:
    """Write one submission's readings in the caller's transaction; how many replaced the open
    submission of their meter (``known``: meter id → that submission, as the check found it).

    A replacement is an UPDATE that checks the row is still unanswered: an answer billing's
    import gave meanwhile is never overwritten, the correction becomes a new reading instead.
    Every other reading is inserted; if another submission of the same meter inserted its row
    first, the partial unique index ``OPEN_SUBMISSION`` refuses ours (IntegrityError) and the
    caller runs the submission again against that row.
    """
    replaced = 0
    new = []
    for reading in readings:
        fields = {name: getattr(reading, name) for name in _REPLACED}
        if reading.photo:
            fields.update(photo=reading.photo.name, photo_content_type=reading.photo_content_type)
        previous = known.get(reading.meter_id)
        if previous is not None and (
            Reading.objects.filter(pk=previous.pk, status=Reading.Status.RECEIVED).update(**fields)
        ):
            reading.pk = previous.pk
            if not reading.photo:
                reading.photo.name = previous.photo.name
                reading.photo_content_type = previous.photo_content_type
            replaced += 1
        else:
            new.append(reading)
    Reading.objects.bulk_create(new)
    return replaced


def submit_readings(
    *,
    user: User,
    link: AccountLink,
    values: Mapping[int, Sequence[str]],
    confirm_rollover: bool = False,
    confirm_jump: bool = False,
    photo: UploadedFile | None = None,
    moment: dt.datetime | None = None,
) -> Submission:
    """Save the readings of one submission, with its audit row, or raise ``ReadingsError``.

    A meter that already has this period's submission which billing has not answered yet gets
    that row replaced (same id, so billing sees one reading per meter and period); two
    submissions at once also leave one row, the later one's values.
    """
    check_photo(photo)
    plan = check_readings(
        link=link,
        values=values,
        confirm_rollover=confirm_rollover,
        confirm_jump=confirm_jump,
        moment=moment,
    )
    photo_name, photo_type = _store_photo(photo)
    now = timezone.now()
    readings = []
    for planned in plan.readings:
        padded = [*planned.values, None, None][:3]
        reading = Reading(
            meter=planned.meter,  # already loaded, with its service and supplier
            period=planned.window.period,
            source=Reading.Source.PORTAL,
            status=Reading.Status.RECEIVED,
            value_1=padded[0],
            value_2=padded[1],
            value_3=padded[2],
            account_number=link.account.number_display or link.account.number,
            taken_on=planned.window.today,
            submitted_at=now,
            submitted_by=user,
            rollover_confirmed=planned.rollover,
            jump_confirmed=planned.jump,
            verification_overdue=planned.verification_overdue,
        )
        if photo_name:
            reading.photo.name = photo_name
            reading.photo_content_type = photo_type
        readings.append(reading)
    known = {p.meter.pk: p.replaces for p in plan.readings if p.replaces is not None}
    try:
        try:
            replaced = _write(user, link, readings, known, plan.window.period, bool(photo_name))
        except IntegrityError:
            # A submission of the same meter committed its row between the check and the write:
            # that row is the open submission now, and this one replaces it.
            for reading in readings:
                reading.pk = None
            known = selectors.open_submissions({r.meter_id: r.period for r in readings})
            replaced = _write(user, link, readings, known, plan.window.period, bool(photo_name))
    except BaseException:
        # Nothing was written; the stored file must not outlive the rows it was for.
        if photo_name:
            private_storage.delete(photo_name)
        raise
    return Submission(period=plan.window.period, readings=readings, replaced=replaced)


def _write(
    user: User,
    link: AccountLink,
    readings: list[Reading],
    known: Mapping[int, Reading],
    period: dt.date,
    photo: bool,
) -> int:
    """The readings, the account's version and the audit row, as one transaction."""
    with transaction.atomic():
        replaced = _save(readings, known)
        versions.bump(account_ids=[link.account_id])
        record(
            actor=user,
            action=Action.READINGS_SUBMITTED,
            obj=link.account,
            period=period.isoformat(),
            readings=[
                {
                    "id": r.pk,
                    "meter": r.meter_id,
                    "values": [format(v, f".{r.meter.fraction_digits}f") for v in r.values],
                    "period": r.period.isoformat(),
                    "rollover": r.rollover_confirmed,
                    "jump": r.jump_confirmed,
                    "verification_overdue": r.verification_overdue,
                }
                for r in readings
            ],
            replaced=replaced,
            photo=photo,
        )
    return replaced
