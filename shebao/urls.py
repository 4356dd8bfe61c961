from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from shebao.api import api

admin.site.site_header = "社会保险网上经办服务大厅 · 系统配置"
admin.site.site_title = "系统配置"
admin.site.index_title = "配置管理"

urlpatterns = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("accounts/", include("shebao.accounts.urls")),
    path("pki/", include("shebao.pki.urls")),
    path("matters/", include("shebao.catalogue.urls")),
    path("applications/", include("shebao.applications.urls")),
    path("insurance/", include("shebao.insurance.urls")),
    path("contributions/", include("shebao.contributions.urls")),
    path("payments/", include("shebao.payments.urls")),
    path("retention/", include("shebao.retention.urls")),
    path("cards/", include("shebao.cards.urls")),
    path("disputes/", include("shebao.disputes.urls")),
    path("training/", include("shebao.training.urls")),
    path("appointments/", include("shebao.appointments.urls")),
    path("policy/", include("shebao.policy.urls")),
    path("emergency/", include("shebao.emergency.urls")),
    path("audit/", include("shebao.audit.urls")),
    path("calculators/", include("shebao.calculators.urls")),
    path("notifications/", include("shebao.notifications.urls")),
    path("", include("shebao.certificates.urls")),
    path("", include("shebao.hall.urls")),
]
if settings.SHEBAO_BENCHMARK:  # the load benchmark's yardstick; never mounted otherwise
    from shebao.hall.views import bench_bare

    urlpatterns.insert(0, path("bench/bare/", bench_bare, name="bench_bare"))

handler400 = "shebao.hall.views.bad_request"
handler403 = "shebao.hall.views.forbidden"
handler404 = "shebao.hall.views.not_found"
handler500 = "shebao.hall.views.server_error"
