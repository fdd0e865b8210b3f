"""1v1 calls: the call state machine (`machine`), ICE servers and TURN credentials (`ice`),
signalling over the messaging WebSocket (`signalling`), timeouts (`worker`) and
appointments (`appointments`, `reminders`)."""
