package warehousesynctest

// WithLenientBodies makes the API accept and ignore members of request bodies it does not know, and
// members given twice (the last one wins), as the fake did before it refused them. By default an unknown
// member is a 400 that names it and, when one is close, the member meant ("schedule.dealy": did you mean
// "delay"?), so that a typo fails the test that made it instead of being dropped. The read-only members
// of a resource (status, errors, created_on, …) are always accepted and ignored.
func WithLenientBodies() Option { return func(c *config) { c.lenientBodies = true } }
