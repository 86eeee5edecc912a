"""Vietnamese first: the interface is Vietnamese unless the user chose English with the switch.

Django's LocaleMiddleware would follow the browser's Accept-Language, which on most office PCs is
English; officers expect Vietnamese.
"""

from django.conf import settings
from django.utils import translation


class VietnameseFirstMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.languages else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
