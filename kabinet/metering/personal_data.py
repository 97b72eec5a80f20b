"""What metering keeps about a person: the readings they submitted (see kabinet.core.personal_data).

A reading is the utility's record (it reaches billing and a bill), so it stays with its values;
the person's photo of the meter goes from the disk, as every upload of theirs does: a phone
photo can carry more than the dial (where and when it was taken).
"""

from __future__ import annotations

from typing import Any

from kabinet.billing import versions
from kabinet.core.personal_data import delete_files_after_commit, plain
from kabinet.identity.models import User
from kabinet.metering.models import Reading

COVERS = {
    "metering.Reading.submitted_by": "kept as the utility's record; the pointer goes",
    "metering.Reading.photo": "the file is deleted from the disk, the field emptied",
    "metering.Reading.reject_reason": "why billing refused the value: kept with the reading",
}


def export_personal_data(*, user: User) -> dict[str, Any]:
    readings = Reading.objects.filter(submitted_by=user).select_related("meter")
    return {
        "readings": [
            {
                "account": reading.account_number,
                "meter": reading.meter.serial_number,
                "period": plain(reading.period),
                "taken_on": plain(reading.taken_on),
                "submitted_at": plain(reading.submitted_at),
                "values": [plain(value) for value in reading.values],
                "status": reading.status,
                "has_photo": bool(reading.photo),
            }
            for reading in readings.order_by("submitted_at", "pk")
        ]
    }


def erase_personal_data(*, user: User) -> None:
    with_photos = Reading.objects.filter(submitted_by=user).exclude(photo="")
    photos = list(with_photos.values_list("meter__account_id", "photo"))
    with_photos.update(photo="", photo_content_type="")
    delete_files_after_commit(name for _account, name in photos)
    # The readings history shows a link to the photo.
    versions.bump(account_ids=[account for account, _name in photos])
