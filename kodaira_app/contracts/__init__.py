"""契約内容のご確認 and 契約の追加: the contracts an account holds."""
