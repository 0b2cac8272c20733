"""The partner API's conventions (pagination, problem details, ETag/If-Match, throttling,
the schema, input fields). Infrastructure: no case app is imported here; each app's api.py
builds its resources on dmt.api.views.ApiViewSet."""
