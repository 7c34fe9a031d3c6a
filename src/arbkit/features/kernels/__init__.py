"""Compiled step functions of the feature families, one file per family (dispatched by ``dispatch``)."""
