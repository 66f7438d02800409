"""How orders read on the pages: the tone of every badge (`tones`), the panel's answers in
words (`answers`), and what each part of an order's page shows (`order_page`)."""

from orders.presenters.answers import cancel_answer

__all__ = ["cancel_answer"]
