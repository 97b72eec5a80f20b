"""What support keeps about a person: requests, appeals, documents and the files attached to them
(see kabinet.core.personal_data).

Appeals (the person's letters and the answers to them) and documents for the social norm (scans
of certificates) are only the person's and go, with every attached file. A service request is
also the utility's job record (a visit, a paid work, what billing took back), so it stays with
its number, account, type, price, status and dates, and loses everything that described or
reached the person: the reason, the contact phone, the comments of its history and its files.
The audit entries about these rows lose their comments and reasons too.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from kabinet.billing import versions
from kabinet.core.audit import forget_details
from kabinet.core.personal_data import delete_files_after_commit, plain
from kabinet.identity.models import User
from kabinet.support.models import (
    Appeal,
    AppealMessage,
    Attachment,
    ServiceRequest,
    ServiceRequestEvent,
    SocialNormDocument,
)
from kabinet.support.selectors import forget_unread_count

STAFF_POINTER = "a staff member's pointer: the row is the utility's; only the pointer goes"

COVERS = {
    "support.ServiceRequest.user": "kept as the utility's job; the person's details go",
    "support.ServiceRequest.reason": "emptied",
    "support.ServiceRequest.contact_phone": "emptied",
    "support.ServiceRequest.cancel_reason": "emptied",
    "support.ServiceRequest.assigned_to": STAFF_POINTER,
    "support.ServiceRequestEvent.actor": "kept as the job's history; comments emptied",
    "support.ServiceRequestEvent.comment": "emptied on the person's requests",
    "support.Appeal.user": "deleted with its thread and files",
    "support.Appeal.text": "deleted with the appeal",
    "support.Appeal.assigned_to": STAFF_POINTER,
    "support.AppealMessage.author": "deleted with the appeal",
    "support.AppealMessage.text": "deleted with the appeal",
    "support.SocialNormDocument.user": "deleted with its files",
    "support.SocialNormDocument.comment": "deleted with the document",
    "support.SocialNormDocument.reject_reason": "deleted with the document",
    "support.SocialNormDocument.reviewed_by": STAFF_POINTER,
    "support.Attachment.uploaded_by": "the person's rows' files are deleted, from the disk too",
    "support.Attachment.file": "deleted from the disk with its row",
    "support.Attachment.original_name": "deleted with its row",
    "support.SupportContact.phone": "the supplier's own contact, not a person's",
}


def _attachments(attachments: Any) -> list[dict[str, Any]]:
    return [
        {
            "name": attachment.original_name,
            "content_type": attachment.content_type,
            "size": attachment.size,
            "created_at": plain(attachment.created_at),
        }
        for attachment in attachments
    ]


def export_personal_data(*, user: User) -> dict[str, Any]:
    requests = (
        ServiceRequest.objects.filter(user=user)
        .select_related("account", "request_type", "catalog_item", "supplier")
        .prefetch_related("events", "attachments")
        .order_by("created_at", "pk")
    )
    appeals = (
        Appeal.objects.filter(user=user)
        .select_related("supplier", "account")
        .prefetch_related("attachments", "messages__attachments")
        .order_by("created_at", "pk")
    )
    documents = (
        SocialNormDocument.objects.filter(user=user)
        .select_related("account", "supplier")
        .prefetch_related("attachments")
        .order_by("created_at", "pk")
    )
    return {
        "service_requests": [
            {
                "number": request.number,
                "title": str(request.title),
                "supplier": request.supplier.short_name,
                "account": request.account.number_display or request.account.number,
                "status": request.status,
                "reason": request.reason,
                "contact_phone": request.contact_phone,
                "desired_date": plain(request.desired_date),
                "desired_slot": request.desired_slot,
                "cancel_reason": request.cancel_reason,
                "created_at": plain(request.created_at),
                "history": [
                    {
                        "at": plain(event.at),
                        "status": event.status,
                        "comment": event.comment,
                        "by_staff": event.actor_is_staff,
                    }
                    for event in request.events.all()
                ],
                "attachments": _attachments(request.attachments.all()),
            }
            for request in requests
        ],
        "appeals": [
            {
                "number": appeal.number,
                "supplier": appeal.supplier.short_name,
                "account": appeal.account.number if appeal.account else None,
                "topic": appeal.topic,
                "text": appeal.text,
                "status": appeal.status,
                "created_at": plain(appeal.created_at),
                "attachments": _attachments(appeal.attachments.all()),
                "messages": [
                    {
                        "at": plain(message.created_at),
                        "from_staff": message.is_staff,
                        "text": message.text,
                        "attachments": _attachments(message.attachments.all()),
                    }
                    for message in appeal.messages.all()
                ],
            }
            for appeal in appeals
        ],
        "social_norm_documents": [
            {
                "kind": document.kind,
                "supplier": document.supplier.short_name,
                "account": document.account.number_display or document.account.number,
                "comment": document.comment,
                "status": document.status,
                "reject_reason": document.reject_reason,
                "created_at": plain(document.created_at),
                "attachments": _attachments(document.attachments.all()),
            }
            for document in documents
        ],
    }


def erase_personal_data(*, user: User) -> None:
    requests = ServiceRequest.objects.filter(user=user)
    appeals = Appeal.objects.filter(user=user)
    documents = SocialNormDocument.objects.filter(user=user)
    request_ids = list(requests.values_list("pk", flat=True))
    appeal_ids = list(appeals.values_list("pk", flat=True))
    document_ids = list(documents.values_list("pk", flat=True))
    account_ids = {
        *requests.values_list("account_id", flat=True),
        *appeals.exclude(account=None).values_list("account_id", flat=True),
        *documents.values_list("account_id", flat=True),
    }

    files = Attachment.objects.filter(
        Q(service_request__in=request_ids)
        | Q(appeal__in=appeal_ids)
        | Q(appeal_message__appeal__in=appeal_ids)
        | Q(document__in=document_ids)
    )
    delete_files_after_commit(list(files.values_list("file", flat=True)))
    files.delete()

    forget_details(obj_model=ServiceRequest, object_ids=request_ids)
    forget_details(obj_model=SocialNormDocument, object_ids=document_ids)
    forget_details(obj_model=Appeal, object_ids=appeal_ids)
    ServiceRequestEvent.objects.filter(request__in=request_ids).update(comment="")
    requests.update(reason="", contact_phone="", cancel_reason="")
    AppealMessage.objects.filter(appeal__in=appeal_ids).delete()
    appeals.delete()
    documents.delete()
    forget_unread_count(user.pk)
    versions.bump(account_ids=account_ids)
