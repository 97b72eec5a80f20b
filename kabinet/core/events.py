"""Events a customer should hear about, sent by the app where they happen.

The apps that raise them (support) and the app that tells the customer (notifications) sit on
the same level of the layering, so neither may import the other; both import this signal. A
sender calls ``customer_event.send`` inside the act's transaction; a receiver that writes rows
writes them in that transaction, so an act that rolls back tells no one.

Arguments: ``kind`` (a notification kind code such as "appeal_answered"), ``user_id`` (the
customer, or None when the act has none), ``account_id`` (or None), ``key`` (what makes the event
one: the appeal and its answer, the request and its status) and ``payload`` (JSON-serialisable
facts the message needs).
"""

from __future__ import annotations

from django.dispatch import Signal

customer_event = Signal()
