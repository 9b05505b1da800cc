"""The service layer: load resources, check who is asking, call ``matcher``, store.

The JSON API (``service/api``) and the pages (``service/pages``) both call these
functions, so every access rule lives in one place. Functions take the request's
:class:`~service.auth.Identity` first and raise :class:`~service.problems.Problem`
(404 unknown id, 403 not yours, 409 conflict, 422 invalid) rather than returning
error values. They never commit: the request's transaction does (see ``service.db``).
"""
