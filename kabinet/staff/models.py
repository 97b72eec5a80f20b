"""Who may work in the staff area, and for which supplier.

The model is defined in ``kabinet.billing.models`` (it keeps its ``staff`` app label, table and
migrations): the supplier scope it holds is checked by the services of the apps below the staff
area, and they must not import it from above.
"""

from __future__ import annotations

from kabinet.billing.models import StaffMember

__all__ = ["StaffMember"]
