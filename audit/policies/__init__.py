"""Policy files shipped with riskaudit (package data): the starter policy `riskaudit init` writes."""
