package jobs_test

import (
	"context"
	"sync"

	"github.com/left4me/left4me"
	"github.com/left4me/left4me/jobs"
)

var _ jobs.Lifecycle = (*fakeLifecycle)(nil)

// fakeInstance is what the fake host knows about one instance.
type fakeInstance struct {
	Spec     left4me.InstanceSpec
	Running  bool
	Restarts int
}

// fakeLifecycle is a stateful stand-in for host.Host: it keeps instances
// (initialized by Start, removed by Reset/Delete) and can be told to fail.
type fakeLifecycle struct {
	mu        sync.Mutex
	instances map[string]*fakeInstance
	purged    []string
	fail      map[string]error // by method name: "Start", "Stop", ...
}

func newFakeLifecycle() *fakeLifecycle {
	return &fakeLifecycle{instances: map[string]*fakeInstance{}, fail: map[string]error{}}
}

func (f *fakeLifecycle) Start(ctx context.Context, spec left4me.InstanceSpec) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	reportStep(ctx, "initialize")
	if err := f.fail["Start"]; err != nil {
		return err
	}
	reportStep(ctx, "enable")
	inst := f.instances[spec.Name]
	if inst == nil {
		inst = &fakeInstance{Spec: spec}
		f.instances[spec.Name] = inst
	}
	inst.Running = true
	return nil
}

func (f *fakeLifecycle) Stop(ctx context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.fail["Stop"]; err != nil {
		return err
	}
	if inst := f.instances[name]; inst != nil {
		inst.Running = false
	}
	return nil
}

func (f *fakeLifecycle) Restart(ctx context.Context, spec left4me.InstanceSpec) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.fail["Restart"]; err != nil {
		return err
	}
	inst := f.instances[spec.Name]
	if inst == nil {
		inst = &fakeInstance{}
		f.instances[spec.Name] = inst
	}
	inst.Spec, inst.Running = spec, true
	inst.Restarts++
	return nil
}

func (f *fakeLifecycle) Reset(ctx context.Context, name string) error {
	return f.purge("Reset", name)
}

func (f *fakeLifecycle) Delete(ctx context.Context, name string) error {
	return f.purge("Delete", name)
}

func (f *fakeLifecycle) purge(method, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.fail[method]; err != nil {
		return err
	}
	delete(f.instances, name)
	f.purged = append(f.purged, name)
	return nil
}

// instance returns a copy of the named instance, or nil.
func (f *fakeLifecycle) instance(name string) *fakeInstance {
	f.mu.Lock()
	defer f.mu.Unlock()
	if inst := f.instances[name]; inst != nil {
		c := *inst
		return &c
	}
	return nil
}

func (f *fakeLifecycle) setFail(method string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail[method] = err
}

// stepKey carries a step callback like host.WithStepFunc does.
type stepKey struct{}

// withSteps is the test's stand-in for host.WithStepFunc.
func withSteps(ctx context.Context, fn func(step string)) context.Context {
	return context.WithValue(ctx, stepKey{}, fn)
}

func reportStep(ctx context.Context, name string) {
	if fn, ok := ctx.Value(stepKey{}).(func(string)); ok {
		fn(name)
	}
}
