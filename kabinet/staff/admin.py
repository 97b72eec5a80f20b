from django.contrib import admin
from django.utils.translation import gettext_lazy as _

# The admin is the back office for utility staff, so it carries the product's name, not Django's.
admin.site.site_header = _("Кабинет — бэк-офис")
admin.site.site_title = _("Кабинет — бэк-офис")
admin.site.index_title = _("Управление")
