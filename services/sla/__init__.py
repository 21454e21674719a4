"""sla (时限): deadlines in working days, warnings, yellow and red cards, supervision (督办) and urging."""
