-- One database per service (the services also create theirs when missing).
CREATE DATABASE bancheng_intake;
CREATE DATABASE bancheng_routing;
CREATE DATABASE bancheng_sla;
CREATE DATABASE bancheng_notify;
CREATE DATABASE bancheng_audit;
