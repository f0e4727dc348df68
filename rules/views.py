"""The rules page, /manage/rules/: every queue's rules at a glance, and a form to change them.

Capacity overrides and number entries are lists of rows; they stay in the admin, linked from here.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import redirect, render

from queues.selectors import queues_visible_to

from . import services
from .forms import QueueRulesPageForm
from .models import NUMBER_TYPE_LABELS, GlobalRules, NumberEntry, QueueRules


@login_required
@permission_required("rules.view_queuerules", raise_exception=True)
def rules_list(request):
    queues = queues_visible_to(request.user).prefetch_related("rules__capacity_overrides")
    entries = NumberEntry.objects.filter(rules__queue__in=queues).select_related("rules")
    per_queue = {}
    for entry in entries:
        per_queue.setdefault(entry.rules.queue_id, []).append(entry)
    rows = []
    for queue in queues:
        rules = QueueRules.for_queue(queue)
        rows.append(
            {
                "queue": queue,
                "rules": rules,
                "overrides": list(rules.capacity_overrides.all()) if rules.pk else [],
                "refused": [NUMBER_TYPE_LABELS.get(name, name) for name in rules.refused_number_types or []],
                "entries": per_queue.get(queue.pk, []),
            }
        )
    return render(
        request,
        "rules/rules_list.html",
        {
            "rows": rows,
            "global_rules": GlobalRules.load(),
            "global_entries": NumberEntry.objects.filter(rules__isnull=True),
            "can_change": request.user.has_perm("rules.change_queuerules"),
        },
    )


@login_required
@permission_required("rules.change_queuerules", raise_exception=True)
def rules_edit(request, slug):
    queue = services.rules_queue_for(user=request.user, slug=slug)
    form = QueueRulesPageForm(request.POST or None, instance=QueueRules.for_queue(queue))
    if request.method == "POST" and form.is_valid():
        services.queue_rules_update(user=request.user, queue=queue, fields=form.cleaned_data)
        messages.success(request, f"Rules of {queue} saved. They apply to the next booking.")
        return redirect("rules:list")
    return render(request, "rules/rules_edit.html", {"queue": queue, "form": form})
