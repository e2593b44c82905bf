app_name = "offices"
urlpatterns: list = []
