"""The citizen's choice of channels, under the account page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from motcua.notify import forms, services


@login_required
def preferences(request):
    form = forms.PreferenceForm(request.POST or None, initial=services.preferences(request.user.pk))
    if request.method == "POST" and form.is_valid():
        services.set_preferences(request.user, **form.cleaned_data)
        messages.success(request, "Đã lưu cách nhận thông báo.")
        return redirect("notify:preferences")
    return render(
        request, "notify/preferences.html", {"form": form}, status=400 if form.errors else 200
    )
