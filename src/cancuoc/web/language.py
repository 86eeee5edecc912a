"""A bilingual message shown in the page's language: error codes carry both texts (the API answers with
both); a page shows the one its reader chose, Vietnamese unless they switched to English."""

from django.utils.translation import get_language


def in_language(message_vi: str, message_en: str) -> str:
    return message_en if (get_language() or "vi").startswith("en") else message_vi


def problem_text(problem) -> str:
    """A ``Problem`` (or a coded error) in the reader's language."""
    return in_language(problem.message_vi, problem.message_en)
