from django.urls import path

from shebao.calculators import views
from shebao.calculators.definitions import CALCULATORS

app_name = "calculators"

# One page per calculator: calculators:contribution, calculators:late_fee, … (slug with "_").
urlpatterns = [
    path("", views.index, name="index"),
    *(
        path(f"{c.slug}/", views.calculator, {"slug": c.slug}, name=c.slug.replace("-", "_"))
        for c in CALCULATORS
    ),
]
