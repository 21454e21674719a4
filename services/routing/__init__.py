"""routing (转办): turns forwarded cases into work orders for the right departments and keeps them moving."""
