package api

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"switchboard/internal/errcode"
)

// linkIdentity links an identity (with everyone already linked to its
// person) to person {id}: an admin's decision that two accounts are one
// human, which automatic linking then leaves alone.
func (a *API) linkIdentity(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var in struct {
		IdentityID int64 `json:"identity_id"`
	}
	if err := decode(r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	if in.IdentityID <= 0 {
		a.fail(w, r, errcode.MissingField.With("identity_id"))
		return
	}
	resource := "person:" + strconv.FormatInt(id, 10)
	err = a.changeLink(r, "person.link", resource, id, in.IdentityID, func() error {
		return a.Store.LinkIdentity(r.Context(), id, in.IdentityID)
	})
	a.answerPerson(w, r, id, err)
}

// unlinkIdentity takes identity {identity_id} out of person {id}'s group.
func (a *API) unlinkIdentity(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	identityID, err := pathID(r, "identity_id")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	members, err := a.Store.LinkedPeople(r.Context(), id)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	resource := "person:" + strconv.FormatInt(id, 10)
	err = a.changeLink(r, "person.unlink", resource, id, identityID, func() error {
		ident, err := a.Store.GetIdentity(r.Context(), identityID)
		if err != nil || !slices.Contains(members, ident.PersonID) {
			return errcode.NotFound.With("identity %d is not linked with person %d", identityID, id)
		}
		return a.Store.UnlinkIdentity(r.Context(), identityID)
	})
	a.answerPerson(w, r, id, err)
}

// changeLink checks that the caller is an admin of the departments of
// both groups' identities, runs change, and audits the outcome.
func (a *API) changeLink(r *http.Request, action, resource string, personID, identityID int64, change func() error) error {
	ident, err := a.Store.GetIdentity(r.Context(), identityID)
	if err != nil {
		return err
	}
	units, err := a.groupUnits(r, personID)
	if err != nil {
		return err
	}
	theirs, err := a.groupUnits(r, ident.PersonID)
	if err != nil {
		return err
	}
	if err := a.requireUnitAdmin(r, action, resource, append(units, theirs...)); err != nil {
		return err
	}
	if err := change(); err != nil {
		return err
	}
	a.Audit.Record(r, action, resource, true, fmt.Sprintf("identity %d (channel %d, %s)", identityID, ident.ChannelID, ident.ExternalID))
	return nil
}

// answerPerson answers with person id as it now is, or with err.
func (a *API) answerPerson(w http.ResponseWriter, r *http.Request, id int64, err error) {
	if err == nil {
		var v PersonView
		if v, err = a.GetPerson(r, id); err == nil {
			writeJSON(w, http.StatusOK, v)
			return
		}
	}
	a.fail(w, r, err)
}
