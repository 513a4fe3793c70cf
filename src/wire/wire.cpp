// wire layer: envelope, codec, registry (see include/cohort/wire/).
