"""The staff console's backend-for-frontend (工作台): sign-in, tokens kept server-side, the APIs forwarded."""
