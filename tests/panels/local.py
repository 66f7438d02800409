"""Client options for talking to the simulator on loopback over plain http.

The client refuses plain http and private addresses by default (panels.api.addresses); tests that
call the simulator directly, without the Django settings, allow both explicitly.
"""

LOOPBACK = {"allow_http": True, "allow_private": True}
