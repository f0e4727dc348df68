"""The Django admin limited to a user's lines of business, as the staff pages and API are (``queues_visible_to``).

Global models (skills, calling policies, global rules) are not scoped: they belong to no queue.
"""

from django.contrib import admin
from django.db.models import Q

from .selectors import limited_to_lines, queues_visible_to


class LineOfBusinessScopedAdmin(admin.ModelAdmin):
    """A ModelAdmin whose rows belong to a queue.

    ``queue_path`` leads from the model to its queue ("queue", "callback__queue", "queues"; "" for a queue
    itself). The changelist, search, actions, exports and change views all start from get_queryset, so a row
    of another line is neither listed, found, acted on nor opened (404). Choices of a foreign key or
    many-to-many to a scoped model offer only the user's rows; a many-to-many keeps the rows the user
    cannot see (another line's queues of a shared agent, say) instead of dropping them on save.
    """

    queue_path: str
    # Rows without a queue apply to every queue (a number entry for all): every line sees them.
    shared_when_empty = False

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if not limited_to_lines(request.user):
            return queryset
        visible = queues_visible_to(request.user)
        if not self.queue_path:
            return queryset.filter(pk__in=visible.values("pk"))
        # A subquery rather than a join: a many-to-many path would repeat rows and skew annotations.
        rows = Q(pk__in=self.model._default_manager.filter(**{f"{self.queue_path}__in": visible}).values("pk"))
        if self.shared_when_empty:
            rows |= Q(**{f"{self.queue_path}__isnull": True})
        return queryset.filter(rows)

    def get_field_queryset(self, db, db_field, request):
        related_admin = self.admin_site._registry.get(db_field.remote_field.model)
        if not isinstance(related_admin, LineOfBusinessScopedAdmin):
            return super().get_field_queryset(db, db_field, request)
        choices = related_admin.get_queryset(request).using(db)
        ordering = related_admin.get_ordering(request)
        return choices.order_by(*ordering) if ordering else choices

    def save_related(self, request, form, formsets, change):
        unseen = {}
        if change:
            for field in self.model._meta.many_to_many:
                if field.name in form.fields and hasattr(form.fields[field.name], "queryset"):
                    current = getattr(form.instance, field.name).all()
                    unseen[field.name] = list(current.exclude(pk__in=form.fields[field.name].queryset.values("pk")))
        super().save_related(request, form, formsets, change)
        for name, rows in unseen.items():
            getattr(form.instance, name).add(*rows)
