app_name = "teachers"
urlpatterns: list = []
