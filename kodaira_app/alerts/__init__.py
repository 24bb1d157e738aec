"""異変のお知らせ: alerts between the reports (rules, episodes, 確認しました, 見守り協力者)."""
