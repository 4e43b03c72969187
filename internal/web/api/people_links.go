package api

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"switchboard/internal/errcode"
)

// LinkIdentity links an identity (with everyone already linked to its
// person) to person id: an admin's decision that two accounts are one
// human, which automatic linking then leaves alone. The console uses it too.
func (a *API) LinkIdentity(r *http.Request, id, identityID int64) error {
	if identityID <= 0 {
		return errcode.MissingField.With("identity_id")
	}
	return a.changeLink(r, "person.link", id, identityID, func() error {
		return a.Store.LinkIdentity(r.Context(), id, identityID)
	})
}

// UnlinkIdentity takes an identity out of person id's group.
func (a *API) UnlinkIdentity(r *http.Request, id, identityID int64) error {
	members, err := a.Store.LinkedPeople(r.Context(), id)
	if err != nil {
		return err
	}
	return a.changeLink(r, "person.unlink", id, identityID, func() error {
		ident, err := a.Store.GetIdentity(r.Context(), identityID)
		if err != nil || !slices.Contains(members, ident.PersonID) {
			return errcode.NotFound.With("identity %d is not linked with person %d", identityID, id)
		}
		return a.Store.UnlinkIdentity(r.Context(), identityID)
	})
}

func (a *API) linkIdentity(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err == nil {
		var in struct {
			IdentityID int64 `json:"identity_id"`
		}
		if err = decode(r, &in); err == nil {
			err = a.LinkIdentity(r, id, in.IdentityID)
		}
	}
	a.answerPerson(w, r, id, err)
}

func (a *API) unlinkIdentity(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err == nil {
		var identityID int64
		if identityID, err = pathID(r, "identity_id"); err == nil {
			err = a.UnlinkIdentity(r, id, identityID)
		}
	}
	a.answerPerson(w, r, id, err)
}

// changeLink checks that the caller is an admin of the departments of
// both groups' identities, runs change, and audits the outcome.
func (a *API) changeLink(r *http.Request, action string, personID, identityID int64, change func() error) error {
	resource := "person:" + strconv.FormatInt(personID, 10)
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
