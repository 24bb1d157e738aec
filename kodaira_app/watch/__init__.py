"""見守りサービス: registration, change, 解除, pause, recipients."""
