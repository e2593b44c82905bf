from django.urls import path

from peixun.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.password_change_view, name="password_change"),
    path("users/", views.user_list_view, name="user_list"),
    path("users/<int:pk>/", views.user_detail_view, name="user_detail"),
    path("users/<int:pk>/<slug:action>/", views.user_action_view, name="user_action"),
    path("grants/<int:pk>/revoke/", views.role_revoke_view, name="role_revoke"),
]
