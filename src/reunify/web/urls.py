"""Routes of the web UI and the REST API. Every name here has a rule in ``web.routes``.

URLs carry only opaque ids (``P0000123``, ``F0000045``, pair and account numbers), never a name:
search is a POST.
"""

from django.urls import path
from django.views.i18n import set_language

from reunify.web import operations
from reunify.web.api import api
from reunify.web.views import (
    account,
    admin,
    audit,
    cases,
    enrolment,
    records,
    register,
    reports,
    review,
    tracing,
)

urlpatterns: list = [
    path("", records.home, name="home"),
    path("sign-in/", account.sign_in, name="sign_in"),
    path("sign-in/enrol/", enrolment.enrol, name="enrol"),
    path("sign-out/", account.sign_out, name="sign_out"),
    path("password/", account.password, name="password"),
    path("language/", set_language, name="set_language"),
    path("search/", records.search, name="search"),
    path("persons/<str:person_id>/", records.person, name="person"),
    path("families/<str:family_id>/", records.family, name="family"),
    path("register/", register.register, name="register"),
    path("register.csv", register.register_csv, name="register_csv"),
    path("reports/", reports.reports, name="reports"),
    path("reports/<str:report_name>/", reports.report, name="report"),
    path("review/", review.review_queue, name="review_queue"),
    path("review/<str:pair_id>/", review.review_pair, name="review_pair"),
    path("review/<str:pair_id>/decide/", review.review_decide, name="review_decide"),
    path("cases/", cases.cases, name="cases"),
    path("cases/open/", cases.case_open, name="case_open"),
    path("cases/outreach/", cases.cases_outreach, name="cases_outreach"),
    path("cases/outreach.csv", cases.cases_outreach_csv, name="cases_outreach_csv"),
    path("cases/<str:case_id>/", cases.case, name="case"),
    path("cases/<str:case_id>/move/", cases.case_move, name="case_move"),
    path("cases/<str:case_id>/close/", cases.case_close, name="case_close"),
    path("cases/<str:case_id>/contact/", cases.case_contact, name="case_contact"),
    path("cases/<str:case_id>/wishes/", cases.case_wishes, name="case_wishes"),
    path("cases/<str:case_id>/request/", cases.case_request, name="case_request"),
    path("cases/<str:case_id>/assign/", cases.case_assign, name="case_assign"),
    path("cases/<str:case_id>/repoint/", cases.case_repoint, name="case_repoint"),
    path("determinations/<str:determination_id>/sign-off/", cases.determination_sign_off,
         name="determination_sign_off"),
    path("ingest/", admin.ingest, name="ingest"),
    path("ledger/", admin.ledger, name="ledger"),
    path("access-log/", audit.access_log, name="access_log"),
    path("users/", admin.users, name="users"),
    path("users/new/", admin.user_create, name="user_create"),
    path("users/<str:user_id>/", admin.user_detail, name="user_detail"),
    path("users/<str:user_id>/change/", admin.user_change, name="user_change"),
    path("hotline/", tracing.hotline, name="hotline"),
    path("hotline/lookup/", tracing.hotline_lookup, name="hotline_lookup"),
    path("tracing/<str:reference>/", tracing.inquiry, name="tracing_inquiry"),
    path("tracing/<str:reference>/decide/", tracing.decide, name="tracing_decide"),
    path("api/v1/", api.urls),
    path("healthz", operations.healthz, name="healthz"),
    path("readyz", operations.readyz, name="readyz"),
    path("metrics", operations.metrics, name="metrics"),
]
