"""An officer whose password was set by a manager must choose a new one before doing anything else."""

from django.http import JsonResponse
from django.shortcuts import redirect

ALLOWED_PREFIXES = ("/password/", "/logout/", "/static/", "/i18n/")


class PasswordChangeRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "must_change_password", False):
            if not request.path.startswith(ALLOWED_PREFIXES):
                if request.path.startswith("/api/"):
                    return JsonResponse({"code": "password_change_required",
                                         "message_vi": "Hãy đổi mật khẩu trước khi tiếp tục",
                                         "message_en": "Change your password before going on"}, status=403)  # fmt: skip
                return redirect("password-change")
        return self.get_response(request)
