from typing import Any

from django.http import HttpRequest

from .navigation import navigation_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"navigation": []}
    current = request.path
    items = [
        {
            "text": item.text,
            "href": item.href,
            "current": current == item.href or (item.href != "/" and current.startswith(item.href)),
        }
        for item in navigation_for(user)
    ]
    return {"navigation": items}
