"""Who may see and do what. Services call `require`; selectors use `visible_q`.

Officers act only within their agency (the receiving agency or the agency now holding
the dossier); applicants only on their own dossiers.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q
from django_fsm import can_proceed

from motcua.catalog.models import Officer, ProcessStep
from motcua.core.problems import NotAllowed
from motcua.dossiers.models import APOLOGY_STATES, CLOSED, Dossier, DossierStep, Status

Role = Officer.Role

# action -> roles allowed, and whose agency counts: "receiving" (the desk that took it
# in) or "holding" (receiving or the agency now processing it).
OFFICER_ACTIONS: dict[str, tuple[set[str], str]] = {
    "receive": ({Role.DESK}, "receiving"),
    "refuse": ({Role.DESK, Role.LEADER}, "receiving"),
    "request_supplement": ({Role.DESK, Role.SPECIALIST, Role.LEADER}, "holding"),
    "complete_supplement": ({Role.DESK}, "receiving"),
    "assign": ({Role.DESK, Role.SPECIALIST, Role.LEADER}, "holding"),
    "request_payment": ({Role.DESK, Role.SPECIALIST, Role.LEADER}, "holding"),
    "confirm_payment": ({Role.DESK}, "holding"),
    "approve": ({Role.LEADER}, "holding"),
    "finish": ({Role.SPECIALIST, Role.LEADER, Role.DESK}, "holding"),
    "return_result": ({Role.DESK}, "receiving"),
    "withdraw": ({Role.DESK}, "receiving"),
    "stop": ({Role.LEADER}, "holding"),
    "apologise": ({Role.LEADER, Role.DESK}, "holding"),
    "change_return_channel": ({Role.DESK}, "receiving"),
    # Steps of the internal process: "step" = an agency with an open step on the dossier;
    # the services then check the step itself (may_work_on).
    "take_step": ({Role.DESK, Role.SPECIALIST, Role.LEADER}, "step"),
    "complete_step": ({Role.DESK, Role.SPECIALIST, Role.LEADER}, "step"),
    "send_back": ({Role.SPECIALIST, Role.LEADER}, "step"),
    "request_opinion": ({Role.SPECIALIST, Role.LEADER}, "step"),
    "sign": ({Role.LEADER}, "step"),
}
_K = ProcessStep.Kind
# Which kinds of step each step action applies to.
STEP_KINDS: dict[str, set[str]] = {
    "take_step": set(_K.values),
    "complete_step": {_K.WORK, _K.DRAFT, _K.REVIEW, _K.OPINION, _K.ISSUE},
    "send_back": {_K.REVIEW, _K.SIGN},
    "request_opinion": {_K.WORK, _K.DRAFT, _K.REVIEW},
    "sign": {_K.SIGN},
}
LEGACY_ACTIONS = {"assign", "approve", "finish"}
APPLICANT_ACTIONS = {"withdraw", "complete_supplement"}


def officer_of(user: User | AnonymousUser | None) -> Officer | None:
    if user is None or not user.is_authenticated:
        return None
    try:
        return user.officer
    except Officer.DoesNotExist:
        return None


def _in_agency(officer: Officer, dossier: Dossier, scope: str) -> bool:
    if officer.agency_id == dossier.agency_id:
        return True
    if scope == "step":
        return DossierStep.objects.filter(
            dossier_id=dossier.pk, agency_id=officer.agency_id, finished_at=None
        ).exists()
    return scope == "holding" and officer.agency_id == dossier.current_agency_id


def has_step(officer: Officer, dossier: Dossier) -> bool:
    """The officer's agency has (had) a step of the dossier's process: a leg elsewhere,
    which lets it see the dossier."""
    return DossierStep.objects.filter(dossier_id=dossier.pk, agency_id=officer.agency_id).exists()


def may_work_on(user: User | AnonymousUser | None, step: DossierStep) -> bool:
    """The step's agency and role; a leader may also do a specialist's step. A step taken
    by someone is theirs (or their leader's)."""
    officer = officer_of(user)
    if officer is None or officer.agency_id != step.agency_id or step.finished_at is not None:
        return False
    if officer.role != step.role and not (
        officer.role == Role.LEADER and step.role == Role.SPECIALIST
    ):
        return False
    return step.assignee_id in (None, user.pk) or officer.role == Role.LEADER


def steps_for(
    user: User | AnonymousUser | None,
    dossier: Dossier,
    action: str,
    open_steps: list[DossierStep] | None = None,
) -> list[DossierStep]:
    """The open steps of this dossier on which this user may do `action` now."""
    if dossier.status not in (Status.RECEIVED, Status.PROCESSING):
        return []
    if open_steps is None:
        open_steps = list(dossier.steps.filter(finished_at=None).order_by("id"))
    return [
        s
        for s in open_steps
        if s.kind in STEP_KINDS[action]
        and may_work_on(user, s)
        and (action != "take_step" or s.assignee_id is None)
    ]


def is_owner(user: User | AnonymousUser | None, dossier: Dossier) -> bool:
    return bool(user and user.is_authenticated and dossier.applicant_id == user.pk)


def can_view(user: User | AnonymousUser | None, dossier: Dossier) -> bool:
    officer = officer_of(user)
    if officer is not None:
        return _in_agency(officer, dossier, "holding") or has_step(officer, dossier)
    return is_owner(user, dossier)


def allowed(user: User | AnonymousUser | None, dossier: Dossier, action: str) -> bool:
    officer = officer_of(user)
    if officer is None:
        return action in APPLICANT_ACTIONS and is_owner(user, dossier)
    roles, scope = OFFICER_ACTIONS.get(action, (set(), "receiving"))
    return officer.role in roles and _in_agency(officer, dossier, scope)


def require(user: User | AnonymousUser | None, dossier: Dossier, action: str) -> None:
    if not allowed(user, dossier, action):
        raise NotAllowed(f"Bạn không có quyền thực hiện thao tác này với hồ sơ {dossier.code}.")


# Rules from apps above this one (the postal app: a parcel on its way) that stop the desk
# from returning by hand or changing the channel; each returns a reason, or "" when free.
ReturnGuard = Callable[[Dossier], str]
_return_guards: list[ReturnGuard] = []
GUARDED_ACTIONS = ("return_result", "change_return_channel")


def register_return_guard(guard: ReturnGuard) -> None:
    if guard not in _return_guards:
        _return_guards.append(guard)


def return_blocked(dossier: Dossier) -> str:
    """Why the desk may not return the result or change the channel now ("" if it may)."""
    for guard in _return_guards:
        reason = guard(dossier)
        if reason:
            return reason
    return ""


def state_allows(dossier: Dossier, action: str) -> bool:
    """The dossier's state allows the action now: the lifecycle graph, plus the once-only
    rules (one supplement request per stage, one apology) that the services enforce."""
    if action == "apologise":  # not a transition: the status stays
        return (
            dossier.status in APOLOGY_STATES
            and dossier.due_at is not None
            and dossier.apologised_at is None
        )
    if action in LEGACY_ACTIONS and dossier.process_version_id is not None:
        return False  # the process's steps replace assign/approve/finish
    if action in STEP_KINDS:
        return dossier.process_version_id is not None and dossier.status in (
            Status.RECEIVED,
            Status.PROCESSING,
        )
    if action in GUARDED_ACTIONS and dossier.status not in CLOSED and return_blocked(dossier):
        return False
    if action == "change_return_channel":  # not a transition: the status stays
        return dossier.status not in CLOSED
    if action == "request_supplement":
        # One request at intake (before receipt), one in appraisal (after it).
        asked = (
            dossier.intake_supplement_count
            if dossier.received_at is None
            else dossier.appraisal_supplement_count
        )
        if asked >= 1:
            return False
    return can_proceed(getattr(dossier, action))


def available_actions(
    user: User | AnonymousUser | None,
    dossier: Dossier,
    *,
    open_steps: list[DossierStep] | None = None,
) -> list[str]:
    """What this user may do on this dossier now, so that pages and clients offer only
    actions that can succeed. `open_steps`: the dossier's unfinished steps in id order,
    when the caller has read them."""
    if dossier.process_version_id is None:
        open_steps = []
    elif open_steps is None:
        open_steps = list(dossier.steps.filter(finished_at=None).order_by("id"))
    return [
        name
        for name in OFFICER_ACTIONS
        if allowed(user, dossier, name)
        and state_allows(dossier, name)
        and (name not in STEP_KINDS or steps_for(user, dossier, name, open_steps))
    ]


def visible_q(user: User | AnonymousUser | None) -> Q:
    officer = officer_of(user)
    if officer is not None:
        return officer_visible_q(officer.agency_id)
    if user is not None and user.is_authenticated:
        return applicant_visible_q(user.pk)
    return Q(pk__in=[])


def officer_visible_q(agency_id: int) -> Q:
    """An officer of this agency sees its dossiers, those it holds and those with a step
    of its (visible_q; also the prepared lookup by code, selectors.dossier_for)."""
    return (
        Q(agency_id=agency_id)
        | Q(current_agency_id=agency_id)
        | Q(pk__in=DossierStep.objects.filter(agency_id=agency_id).values("dossier_id"))
    )


def applicant_visible_q(user_id: int) -> Q:
    return Q(applicant_id=user_id)
